pub mod analytics;
pub mod audit;
pub mod challenge;
pub mod dashboard;
pub mod job;
pub mod payouts;
pub mod users;
