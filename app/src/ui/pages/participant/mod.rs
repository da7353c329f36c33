pub mod auth;
pub mod challenge_detail;
pub mod challenge_new;
pub mod home;
pub mod me;
pub mod notifications;
