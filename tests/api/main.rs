//! The integration tests: one binary, one module per area, around servers
//! started in-process against fresh databases (`support`).

mod support;

mod accounts;
mod calendar;
mod calls;
mod config_files;
mod engine;
mod foundation;
mod insights;
mod jobs;
mod layers;
mod openai;
mod recordings;
mod scenarios;
mod search;
mod server_fns;
mod tasks;
mod twilio;
