//! SQLite: capture triggers. (Being written: see issue 22.)

use std::path::Path;
use std::time::Duration;

use super::{ChangeSource, Event, Position};

use crate::load::LoadError;
use crate::plan::Plan;

pub fn prepare(_plan: &Plan, _path: &Path) -> Result<Position, LoadError> {
    Err(LoadError::config(
        "sync from SQLite is not built yet".to_string(),
    ))
}

pub struct TriggerChanges;

impl TriggerChanges {
    pub fn open(_plan: &Plan, _path: &Path, _from: &Position) -> Result<Self, LoadError> {
        Err(LoadError::config(
            "sync from SQLite is not built yet".to_string(),
        ))
    }
}

impl ChangeSource for TriggerChanges {
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
#[allow(dead_code)]
fn _unused(_: &Path) {}
pub fn remove(_plan: &Plan, _path: &Path) -> Result<String, LoadError> {
    Err(LoadError::config("not yet".to_string()))
}
pub fn end(_plan: &Plan, _path: &Path) -> Result<Position, LoadError> {
    Err(LoadError::config("not yet".to_string()))
}
