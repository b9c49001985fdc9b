//! PostgreSQL: logical decoding with pgoutput.
use std::time::Duration;

use super::{ChangeSource, Event, Position};
use crate::conn::Server;
use crate::load::LoadError;
use crate::plan::Plan;

pub fn prepare(_plan: &Plan, _server: &Server) -> Result<Position, LoadError> {
    Err(LoadError::config("not yet".to_string()))
}
pub fn remove(_plan: &Plan, _server: &Server) -> Result<String, LoadError> {
    Err(LoadError::config("not yet".to_string()))
}
pub struct PgChanges;
impl PgChanges {
    pub fn open(
        _plan: &Plan,
        _server: &Server,
        _from: &Position,
        _snapshot: Option<&str>,
    ) -> Result<Self, LoadError> {
        Err(LoadError::config("not yet".to_string()))
    }
}
impl ChangeSource for PgChanges {
    fn next(&mut self, _wait: Duration) -> Result<Option<Event>, LoadError> {
        Ok(None)
    }
    fn confirm(&mut self, _position: &Position) -> Result<(), LoadError> {
        Ok(())
    }
    fn end(&mut self) -> Result<Position, LoadError> {
        Ok(Position::Seq(0))
    }
    fn describe(&self) -> String {
        String::new()
    }
}
