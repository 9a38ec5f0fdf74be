//! What an operation says while it runs. Operations (src/ops) emit these and never print; the
//! command layer hands them to the one reporter, which shows them as live lines on a terminal, plain
//! lines in CI, or nothing but the document with `--output json`.

/// How a line's state is shown; colours only on a terminal and without NO_COLOR / --no-color.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Waiting,
    Bad,
    Plain,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A step of the operation ("applying 8 objects").
    Step(String),
    /// Extra detail, shown with -v.
    Detail(String),
    /// The state of one resource: one line per resource, updated in place on a terminal.
    Resource {
        resource: String,
        tone: Tone,
        state: String,
        detail: String,
    },
    /// The resources shown so far reached their last state in this phase: their lines end.
    PhaseDone,
    Warning(String),
    /// A result for people, shown when it happens (stdout in text mode): "rules loaded: ...".
    Outcome(String),
}

impl Progress {
    pub fn resource(
        resource: impl Into<String>,
        tone: Tone,
        state: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Progress::Resource { resource: resource.into(), tone, state: state.into(), detail: detail.into() }
    }
}

/// Where an operation sends its progress.
pub type Emit<'a> = &'a mut dyn FnMut(Progress);
