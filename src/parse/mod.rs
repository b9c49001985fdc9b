//! Front end: split a script into statements (grammar/script.pest), then classify and parse each
//! with sqlparser in the source dialect. No IR here.

pub mod repair;
pub mod schema_elements;
pub mod split;
pub mod sql;
pub mod tokens;
