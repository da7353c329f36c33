//! Reusable pieces of the pages.

pub mod badge;
pub mod bell;
pub mod countdown;
pub mod feedback;
pub mod form;
pub mod guard;
pub mod progress;
pub mod shell;
pub mod time;
