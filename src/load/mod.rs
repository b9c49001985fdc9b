//! The data mover: reads rows from a source (a dump file, a SQLite file, a server), applies the
//! plan's transforms, and writes them into the target.

pub mod dump;
