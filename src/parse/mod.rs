//! Front end: split a script into statements (grammar/script.pest), then parse each with
//! sqlparser in the source dialect. No IR here.

pub mod split;
pub mod sql;
