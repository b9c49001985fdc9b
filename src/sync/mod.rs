//! `ferry sync`: the full load, then every change committed at the source since the load's
//! snapshot, applied to the target in source commit order, until stopped.

pub mod change;
pub mod source;
