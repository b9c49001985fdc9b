//! Converting a script in tests, with the default options.

use ferry::dialect::Dialect;
use ferry::emit::IdentCase;
use ferry::source::SourceFile;
use ferry::{Conversion, ConvertOptions, convert};

pub fn with_defaults(from: Dialect, to: Dialect, file: &SourceFile) -> Conversion {
    let opts = ConvertOptions {
        from,
        to,
        identifiers: IdentCase::Keep,
        emulate_on_update: false,
        user_mappings: None,
    };
    convert(file, &opts)
}
