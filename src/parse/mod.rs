//! Front end: split a script into statements (grammar/script.pest), then parse each statement.
//! No IR here.

pub mod split;
