//! The live conversation of one call. The network's frames come in typed
//! ([`Inbound`]); the [`dialogue`] decides what happens; replies go out
//! typed ([`Outbound`]), worded by the model when one is configured. Every
//! utterance is stored as a transcript segment before it is published. The
//! socket itself is `http`'s concern: the engine gets a stream and a sink.

pub mod dialogue;
pub mod guard;
pub mod model;

use crate::domain::enums::Speaker;
use crate::domain::money;
use crate::domain::usage::Usage;
use crate::server::ai::ModelUsage;
use crate::server::ai::openai::TurnPiece;
use crate::server::ai::understand::{self, situation::Heard};
use crate::server::calls::{self, LiveContext};
use crate::server::metrics::METRICS;
use crate::server::state::AppState;
use crate::server::telephony::relay::{CallError, Inbound, Outbound};
use dialogue::{Action, Dialogue};
use futures::{Sink, SinkExt, Stream, StreamExt};
use guard::{Blocked, Standing};
use model::Move;
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long the network may take to send `setup` after connecting.
const SETUP_TIMEOUT: Duration = Duration::from_secs(10);

/// Holds one call: reads the network's frames, answers through `sink`,
/// until the call ends (by either side, or its time limit).
pub async fn run<F, K>(state: AppState, session_id: Uuid, frames: F, sink: K) -> Result<(), CallError>
where
    F: Stream<Item = Result<Inbound, CallError>> + Unpin,
    K: Sink<Outbound, Error = CallError> + Unpin,
{
    TURN.scope(std::cell::Cell::new(None), converse(state, session_id, frames, sink)).await
}

tokio::task_local! {
    /// When the utterance being answered arrived (for the turn-latency metric).
    static TURN: std::cell::Cell<Option<Instant>>;
}

/// Records the turn's latency at its first token out.
fn first_token_out() {
    TURN.with(|t| {
        if let Some(since) = t.take() {
            METRICS.turn(since);
        }
    });
}

/// One call in progress: its context, both directions of the socket, and
/// the utterance of the other side not yet stored.
struct Call<F, K> {
    state: AppState,
    ctx: LiveContext,
    frames: F,
    sink: K,
    /// Frames that arrived while a reply was being streamed.
    backlog: VecDeque<Inbound>,
    started: Instant,
    /// What the other side said and when, stored once our reply is on its
    /// way (so storage never delays the reply).
    heard: Option<(String, i32)>,
    /// Where the call stands on money (from the dialogue), for the guard.
    standing: Standing,
    /// Numbers the assistant may say: the task's own, and the amounts put
    /// to the user.
    sayable: Vec<String>,
    /// Numbers the other side said (a reference to read back): sayable
    /// too, but never beside words of private data.
    numbers_heard: Vec<String>,
    /// What the model used on this call so far.
    usage: Usage,
    /// A recorded call whose other side has not been told so yet: the
    /// next line we say carries the notice (the model does not word it).
    notice_owed: bool,
}

impl<F, K> Call<F, K>
where
    F: Stream<Item = Result<Inbound, CallError>> + Unpin,
    K: Sink<Outbound, Error = CallError> + Unpin,
{
    fn elapsed_ms(&self) -> i32 {
        self.started.elapsed().as_millis().min(i32::MAX as u128) as i32
    }

    /// The next frame: one set aside while a reply streamed, else a new one.
    async fn next_frame(&mut self) -> Option<Result<Inbound, CallError>> {
        match self.backlog.pop_front() {
            Some(frame) => Some(Ok(frame)),
            None => self.frames.next().await,
        }
    }

    /// Stores a line of `speaker`, after the other side's waiting
    /// utterance if there is one, in one write.
    async fn store(&mut self, speaker: Speaker, text: &str, at: i32) -> Result<(), CallError> {
        let heard = self.heard.take();
        let mut lines = Vec::with_capacity(2);
        if let Some((heard, heard_at)) = &heard {
            lines.push((Speaker::Human, heard.as_str(), *heard_at));
        }
        lines.push((speaker, text, at));
        Ok(calls::append_segments(&self.state, &self.ctx, &lines, None).await?)
    }

    /// Stores the waiting utterance of the other side, if any.
    async fn flush(&mut self) -> Result<(), CallError> {
        if let Some((text, at)) = self.heard.take() {
            calls::append_segment(&self.state, &self.ctx, Speaker::Human, &text, at, None).await?;
        }
        Ok(())
    }

    /// A system line in the transcript (a key press, a decision, the end).
    async fn note(&mut self, text: &str) -> Result<(), CallError> {
        let at = self.elapsed_ms();
        self.store(Speaker::System, text, at).await
    }

    /// Ends the relay session; `reason` travels in the handoff data
    /// (`completed`, or `ended` when the call could not go on).
    async fn hang_up(&mut self, reason: &str) -> Result<(), CallError> {
        let handoff = serde_json::json!({ "reason": reason, "session_id": self.ctx.session_id }).to_string();
        self.sink.send(Outbound::End { handoff_data: handoff }).await
    }

    /// Asks the user to approve `amount` past `limit`: says `line` to the
    /// business, records the request (the user is notified) and returns what
    /// wakes the call when a decision is recorded.
    async fn ask_user(
        &mut self,
        line: &str,
        amount: f64,
        limit: f64,
        reason: &str,
    ) -> Result<tokio::sync::oneshot::Receiver<()>, CallError> {
        self.say(line).await?;
        let waiter = self.state.hub.await_approval(self.ctx.session_id);
        calls::request_approval(&self.state, &self.ctx, amount, limit, reason).await?;
        self.note(&format!("Waiting for {}'s approval: {reason}", self.ctx.user_name)).await?;
        Ok(waiter)
    }

    /// Streams `text` as word tokens at once: one frame each, written to
    /// the socket together.
    async fn speak(&mut self, text: &str) -> Result<(), CallError> {
        let words: Vec<&str> = text.split_inclusive(' ').collect();
        let n = words.len();
        for (i, token) in words.into_iter().enumerate() {
            self.sink.feed(Outbound::token(token, i + 1 == n)).await?;
        }
        self.sink.flush().await?;
        first_token_out();
        Ok(())
    }

    /// `text` if the guard lets it be said, else the safe line for why not.
    fn guarded(&self, text: &str) -> String {
        match guard::check_said(text, &self.standing, &self.sayable, &self.numbers_heard) {
            Ok(()) => text.to_owned(),
            Err(blocked) => {
                tracing::error!(session = %self.ctx.session_id, why = blocked.as_str(), "the guard stopped a line of the rules policy");
                safe_line(blocked, &self.ctx.user_name)
            }
        }
    }

    /// Speaks `text` (once the guard passes it), then stores what was heard
    /// and what was said; each segment is published once stored, even when
    /// the other side hung up mid-sentence.
    async fn say(&mut self, text: &str) -> Result<String, CallError> {
        let mut text = self.guarded(text);
        if std::mem::take(&mut self.notice_owed) {
            text = guard::with_recording_notice(&text);
        }
        let at = self.elapsed_ms();
        let spoken = self.speak(&text).await;
        self.store(Speaker::Assistant, &text, at).await?;
        spoken.map(|()| text)
    }

    /// The model's turn, as it streams: words are spoken as they come
    /// (everything received so far passes the guard before any of it is
    /// spoken, and the last few words, and any number still being written,
    /// are held back until the words after them arrive, so a phrase or a
    /// number the guard stops never goes out in part; a reply the guard
    /// stops ends there) and tool calls are gathered for the caller to
    /// check. `None` when there is no model or it failed before anything
    /// came: the caller says the rules' line.
    async fn model_turn(&mut self, history: &[(Speaker, String)], signals: &str) -> Result<Option<ModelTurn>, CallError> {
        let Some(model) = self.state.ai.conversation_model() else { return Ok(None) };
        // The first words of a recorded call are the rules' line, with the notice.
        if self.notice_owed {
            return Ok(None);
        }
        // A model that keeps failing is paused: the rules' line at once.
        if !self.state.ai.admit_model() {
            return Ok(None);
        }
        let at = self.elapsed_ms();
        let tools = model::tools();
        // A stalled model must not freeze the call: it has MODEL_STALL to
        // start and between pieces, MODEL_TURN in all.
        let turn_ends = tokio::time::Instant::now() + MODEL_TURN;
        let opened = tokio::time::timeout(MODEL_STALL, model.turn_stream(brief(&self.ctx, signals), history, &tools)).await;
        let mut stream = match opened {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "model turn failed; the rules' line instead");
                self.state.ai.model_outcome(e.is_outage());
                return Ok(None);
            }
            Err(_) => {
                tracing::warn!(session = %self.ctx.session_id, "the model did not answer in time; the rules' line instead");
                self.state.ai.model_outcome(true);
                return Ok(None);
            }
        };
        let mut stalled = false;
        let mut broke_off = false;
        let mut spoken = String::new();
        let mut pending = String::new();
        let mut interrupted = false;
        let mut stopped: Option<Blocked> = None;
        // Tool calls by index: (name, arguments so far).
        let mut calls: std::collections::BTreeMap<u32, (String, String)> = std::collections::BTreeMap::new();
        // What the server says the turn used (its last chunk), if it says.
        let mut reported: Option<Usage> = None;
        loop {
            // Frames keep arriving while the model writes: an `interrupt`
            // (barge-in) drops the rest of the reply; others wait their turn.
            let piece = tokio::select! {
                piece = tokio::time::timeout_at((tokio::time::Instant::now() + MODEL_STALL).min(turn_ends), stream.next()) => match piece {
                    Ok(piece) => piece,
                    Err(_) => {
                        tracing::warn!(session = %self.ctx.session_id, "the model stalled mid-turn; the rules take over");
                        stalled = true;
                        None
                    }
                },
                frame = self.frames.next() => {
                    match frame {
                        Some(Ok(frame @ Inbound::Interrupt { .. })) => {
                            interrupted = true;
                            self.backlog.push_back(frame);
                            break;
                        }
                        Some(Ok(frame)) => self.backlog.push_back(frame),
                        Some(Err(_)) | None => break,
                    }
                    continue;
                }
            };
            let ended = match piece {
                Some(Ok(pieces)) => {
                    for piece in pieces {
                        match piece {
                            TurnPiece::Text(text) => pending.push_str(&text),
                            TurnPiece::Usage(used) => reported = Some(used),
                            TurnPiece::Tool { index, name, arguments } => {
                                let call = calls.entry(index).or_default();
                                if let Some(name) = name {
                                    call.0.push_str(&name);
                                }
                                call.1.push_str(&arguments);
                            }
                        }
                    }
                    false
                }
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "model turn broke off");
                    broke_off = true;
                    true
                }
                None => true,
            };
            if stalled {
                // What was held back (the last words, a number still being
                // written) stays unsaid: it may be half of something.
                break;
            }
            if let Err(blocked) =
                guard::check_model(&format!("{spoken}{pending}"), &self.standing, &self.sayable, &self.numbers_heard)
            {
                stopped = Some(blocked);
                break;
            }
            let cut = if ended { pending.len() } else { releasable(&pending) };
            if cut > 0 {
                let out: String = pending.drain(..cut).collect();
                let first = spoken.is_empty();
                for word in out.split_inclusive(' ') {
                    self.sink.feed(Outbound::token(word, false)).await?;
                    spoken.push_str(word);
                }
                self.sink.flush().await?;
                if first {
                    first_token_out();
                }
            }
            if ended {
                break;
            }
        }
        // A turn cut off before its usage arrived still counts as a request.
        self.usage.add(reported.unwrap_or(Usage { requests: 1, ..Usage::default() }));
        if let Some(blocked) = stopped {
            tracing::warn!(session = %self.ctx.session_id, why = blocked.as_str(), "the guard stopped the model's reply");
        }
        self.state.ai.model_outcome(stalled || broke_off);
        if stalled && spoken.trim().is_empty() {
            // Nothing said yet: the rules' line, as if there were no model.
            return Ok(None);
        }
        let text = spoken.trim().to_owned();
        if !text.is_empty() {
            if !interrupted {
                self.sink.send(Outbound::token("", true)).await?;
            }
            self.store(Speaker::Assistant, &text, at).await?;
        }
        // Stopped in the middle of a sentence: the words so far are not left hanging.
        let cut_short = (stopped.is_some() || stalled) && !text.is_empty() && !text.ends_with(['.', '!', '?']);
        Ok(Some(ModelTurn { spoken: text, calls: calls.into_values().collect(), interrupted, cut_short }))
    }
}

/// What the model did with its turn: the words it got out (already stored),
/// and its tool calls (name, arguments), not yet checked.
struct ModelTurn {
    spoken: String,
    calls: Vec<(String, String)>,
    interrupted: bool,
    /// The guard stopped it mid-sentence.
    cut_short: bool,
}

/// How long a model may take to start its turn, or between two pieces of it,
/// before the rules take the turn over (a second more of silence is
/// audible; five is the most a caller should hear).
const MODEL_STALL: Duration = Duration::from_secs(5);
/// How long a model's whole turn may stream.
const MODEL_TURN: Duration = Duration::from_secs(20);

/// Words of a streamed reply held back until more arrive: longer than any
/// phrase the guard looks for.
const HOLD_WORDS: usize = 5;

/// How much of `pending` (received, not yet spoken, already checked with
/// all before it) may be spoken now: up to the end of its last whole
/// sentence; else all but its last [`HOLD_WORDS`] words, and never a
/// number that may still grow ("4111 1111 ...").
fn releasable(pending: &str) -> usize {
    if let Some(end) = last_sentence_end(pending) {
        return end;
    }
    let starts: Vec<usize> = pending
        .char_indices()
        .filter(|(i, c)| !c.is_whitespace() && (*i == 0 || pending[..*i].ends_with(char::is_whitespace)))
        .map(|(i, _)| i)
        .collect();
    if starts.len() <= HOLD_WORDS {
        return 0;
    }
    let mut k = starts.len() - HOLD_WORDS;
    while k > 0 && is_number_word(&pending[starts[k - 1]..starts[k]]) {
        k -= 1;
    }
    if k == 0 { 0 } else { starts[k] }
}

/// Whether `word` is (part of) a number: digits with separators or a
/// currency mark ("4111", "1,500", "$12.50", "555-0100").
fn is_number_word(word: &str) -> bool {
    let w = word.trim().trim_end_matches([',', ';', ':']);
    w.chars().any(|c| c.is_ascii_digit()) && w.chars().all(|c| c.is_ascii_digit() || ",.-/$€£".contains(c))
}

/// The end of the last whole sentence in `text` (after its end mark and
/// the space that follows), if there is one. "$12.50" ends nothing.
fn last_sentence_end(text: &str) -> Option<usize> {
    let mut end = None;
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if matches!(c, '.' | '!' | '?' | ';')
            && let Some(&(j, next)) = chars.peek()
            && next.is_whitespace()
        {
            end = Some(j + next.len_utf8());
        }
    }
    // A sentence ending in a number may go on ("It's 4111. 1111 ..."): hold it.
    end.filter(|e| {
        let before = text[..*e].trim_end().trim_end_matches(['.', '!', '?', ';']);
        !before.rsplit(char::is_whitespace).next().is_some_and(is_number_word)
    })
}

/// What is said instead of a line the guard stopped.
fn safe_line(blocked: Blocked, user: &str) -> String {
    match blocked {
        Blocked::Agrees => format!("I'll need to check that with {user} before we go any further."),
        Blocked::PrivateData => format!("{user} will handle payment and personal details directly with you."),
        Blocked::DeniesAi => format!("I'm an AI assistant calling on behalf of {user}."),
        Blocked::Invents => "Sorry, let me just check my notes on that.".to_owned(),
    }
}

/// The brief a model gets for a turn it conducts: the call, its rules, the
/// tools, and `signals` (what was heard and what the rules would say).
fn brief(ctx: &LiveContext, signals: &str) -> String {
    let s = &ctx.script;
    format!(
        "You are Callwright, an AI assistant on a live phone call on behalf of {user}. Say you are an AI assistant if asked. \
         Goal: {goal}\nQuestions to cover: {questions}\nRules: {rules}\nIf asked something you do not know, say: \"{unknown}\" \
         Speak naturally, one or two short sentences per turn, no lists, no markdown, in {language}. Never agree to a price; the system handles prices. \
         Use the tools to press keys on a menu, stay silent, end the call, ask {user} to approve an amount, or note a fact; \
         otherwise reply in words, close to what the rules would say.\n{signals}",
        user = ctx.user_name,
        goal = ctx.plan.goal,
        questions = s.questions.join(" | "),
        rules = s.constraints.join(" "),
        unknown = s.fallbacks.unknown_question,
        language = ctx.language,
    )
}

/// The transcript's note of the user's decision (the summariser reads it).
fn decision_note(ctx: &LiveContext, amount: f64, decision: Option<bool>) -> String {
    let price = money::spoken(amount, ctx.plan.hard_constraints.currency.as_deref());
    match decision {
        Some(true) => format!("{} approved the price of {price}.", ctx.user_name),
        Some(false) => format!("{} rejected the quoted price of {price}.", ctx.user_name),
        None => "No answer from the user in time.".to_owned(),
    }
}

/// An amount's digits as they may be written: "400", "12.50", "1250".
fn amount_digits(amount: f64) -> Vec<String> {
    if !amount.is_finite() {
        return Vec::new();
    }
    vec![format!("{amount:.0}"), format!("{amount:.2}"), format!("{:.0}", amount * 100.0)]
}

/// The digit strings of `text` ("DC-4821" gives "4821").
fn numbers_in(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit()).filter(|d| !d.is_empty()).map(str::to_owned).collect()
}

/// The numbers the business said, which the assistant may say back: never
/// a card number, nor any group of one (the business reading one out does
/// not make it sayable, whole or four digits at a time).
fn heard_numbers(text: &str) -> Vec<String> {
    let cards = guard::card_numbers_in(text);
    numbers_in(text).into_iter().filter(|n| !guard::card_shaped(n) && !cards.iter().any(|c| c.contains(n.as_str()))).collect()
}

/// Numbers the task gives the assistant to say.
fn call_numbers(ctx: &LiveContext) -> Vec<String> {
    let mut numbers: Vec<String> = ctx.plan.target_phone_number.iter().flat_map(|p| numbers_in(p)).collect();
    numbers.extend(ctx.plan.target_phone_number.iter().map(|p| p.chars().filter(char::is_ascii_digit).collect()));
    // Everything the plan and the script say (limits, dates, party sizes, the questions).
    numbers.extend(numbers_in(&serde_json::to_string(&ctx.plan).unwrap_or_default()));
    numbers.extend(numbers_in(&serde_json::to_string(&ctx.script).unwrap_or_default()));
    numbers
}

/// Waits for the `setup` frame and returns the session it names.
async fn await_setup<F>(frames: &mut F) -> Result<(Uuid, String), CallError>
where
    F: Stream<Item = Result<Inbound, CallError>> + Unpin,
{
    let setup = tokio::time::timeout(SETUP_TIMEOUT, async {
        while let Some(frame) = frames.next().await {
            if let Inbound::Setup(setup) = frame? {
                return Ok(setup);
            }
        }
        Err(CallError::HungUp)
    })
    .await
    .map_err(|_| CallError::Socket("no setup frame in time".into()))??;
    let session = setup
        .custom_parameters
        .get("session_id")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| CallError::Socket("setup without a session_id parameter".into()))?;
    Ok((session, setup.call_sid))
}

async fn converse<F, K>(state: AppState, expected: Uuid, mut frames: F, sink: K) -> Result<(), CallError>
where
    F: Stream<Item = Result<Inbound, CallError>> + Unpin,
    K: Sink<Outbound, Error = CallError> + Unpin,
{
    // The connection was opened for one call: its setup must name that
    // call, live, with the CallSid the network reported. Anything else is
    // refused before anything is said or stored.
    let (session_id, call_sid) = await_setup(&mut frames).await?;
    if session_id != expected {
        return Err(CallError::Socket("the setup names another call than the relay URL".into()));
    }
    let ctx = calls::relay_context(&state, session_id).await?;
    if !matches!(ctx.status.as_str(), "initiated" | "ringing" | "connected") {
        return Err(CallError::Socket(format!("the call is {}, not live", ctx.status)));
    }
    if ctx.provider_call_sid.as_deref().is_some_and(|sid| sid != call_sid) {
        return Err(CallError::Socket("the setup's CallSid is not the call's".into()));
    }
    // Recording the connection waits for nobody: the other side may speak at once.
    // (Boxed: the task's slot lives as long as its handle, for the whole
    // call, and should not be the size of the work it did.)
    let connected = tokio::spawn(Box::pin({
        let state = state.clone();
        async move {
            let _ = calls::connected(&state, session_id).await;
        }
    }));
    // From now on the process's journal beats for the call, until this is dropped.
    let held = state.journal.hold(session_id);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(state.config.calls.max_call_secs);
    let mut dialogue = Dialogue::new(ctx.plan.clone(), ctx.script.clone(), &ctx.user_name, ctx.max_auto_approve, ctx.today);
    let approval_timeout = Duration::from_secs(state.config.calls.approval_timeout_secs);
    let sayable: Vec<String> = call_numbers(&ctx);
    let recorded = ctx.script.recorded;
    let mut call = Call {
        state,
        ctx,
        frames,
        sink,
        backlog: VecDeque::new(),
        started: Instant::now(),
        heard: None,
        standing: Standing::default(),
        sayable,
        numbers_heard: Vec::new(),
        usage: Usage::default(),
        notice_owed: recorded,
    };
    // Speech of the other side so far in the current utterance, and what the last one was.
    let mut hearing = String::new();
    let mut last_heard = Heard::default();
    let mut last_quote = understand::money::Quote::default();
    // The conversation so far, for a model that words the replies.
    let mut history: Vec<(Speaker, String)> = Vec::new();
    // While the user decides: their answer, the deadline, the amount.
    let mut approval_rx: Option<tokio::sync::oneshot::Receiver<()>> = None;
    let mut approval_until: Option<tokio::time::Instant> = None;
    let mut approval_amount = 0.0;
    // Time on hold: since when, and how long before.
    let mut hold_since: Option<Instant> = None;
    let mut held_for = Duration::ZERO;

    let ended: Result<(), CallError> = async {
        loop {
            let mut next_action: Option<Action> = None;
            tokio::select! {
                frame = call.next_frame() => {
                    let frame = match frame {
                        None | Some(Err(CallError::HungUp)) => return Ok(()),
                        Some(frame) => frame?,
                    };
                    match frame {
                        Inbound::Prompt { voice_prompt, last, .. } => {
                            hearing.push_str(&voice_prompt);
                            if last {
                                TURN.with(|t| t.set(Some(Instant::now())));
                                let utterance = std::mem::take(&mut hearing).trim().to_owned();
                                if !utterance.is_empty() {
                                    call.flush().await?;
                                    call.heard = Some((utterance.clone(), call.elapsed_ms()));
                                    // The model hears the other side with card and identity numbers redacted.
                                    history.push((Speaker::Human, crate::server::ai::rules::risk::redact_sensitive(&utterance)));
                                    call.numbers_heard.extend(heard_numbers(&utterance));
                                    last_heard = understand::situation::hear(&utterance);
                                    last_quote = understand::money::read(&utterance);
                                    // Prices said in words may be repeated in digits.
                                    for c in &last_quote.charges {
                                        call.numbers_heard.extend(amount_digits(c.amount));
                                        call.numbers_heard.extend(c.low.map(amount_digits).unwrap_or_default());
                                    }
                                    // Before anyone talked with us, the network may know a machine answered.
                                    if dialogue.is_opening()
                                        && (call.ctx.machine_answered || call.state.hub.machine_answered(call.ctx.session_id))
                                    {
                                        dialogue.machine_answered();
                                    }
                                    next_action = Some(dialogue.on_human(&utterance));
                                    match (dialogue.on_hold(), hold_since) {
                                        (true, None) => hold_since = Some(Instant::now()),
                                        (false, Some(since)) => {
                                            held_for += since.elapsed();
                                            hold_since = None;
                                        }
                                        _ => {}
                                    }
                                }
                            } else {
                                hearing.push(' ');
                            }
                        }
                        Inbound::Interrupt { utterance_until_interrupt, .. } => {
                            call.note(&format!("The assistant was interrupted after: “{utterance_until_interrupt}”")).await?;
                        }
                        Inbound::Error { description } => tracing::warn!(%description, "relay error frame"),
                        Inbound::Setup(_) | Inbound::Dtmf { .. } | Inbound::Unknown => {}
                    }
                }
                _ = async { approval_rx.as_mut().expect("guarded").await }, if approval_rx.is_some() => {
                    // Woken: the decision is what the approvals table says.
                    match calls::recorded_decision(&call.state, call.ctx.session_id).await? {
                        Some(approved) => {
                            approval_rx = None;
                            approval_until = None;
                            call.note(&decision_note(&call.ctx, approval_amount, Some(approved))).await?;
                            next_action = Some(dialogue.on_decision(Some(approved)));
                        }
                        None => {
                            tracing::warn!(session = %call.ctx.session_id, "woken for an approval nobody recorded; still waiting");
                            approval_rx = Some(call.state.hub.await_approval(call.ctx.session_id));
                        }
                    }
                }
                () = async { tokio::time::sleep_until(approval_until.expect("guarded")).await }, if approval_until.is_some() => {
                    approval_rx = None;
                    approval_until = None;
                    call.state.hub.forget_approval(call.ctx.session_id);
                    let decided = calls::expire_approval(&call.state, &call.ctx).await?;
                    call.note(&decision_note(&call.ctx, approval_amount, decided)).await?;
                    next_action = Some(dialogue.on_decision(decided));
                }
                () = tokio::time::sleep_until(deadline) => {
                    call.note("The call reached its time limit.").await?;
                    next_action = Some(Action::Final("I'm afraid I have to end the call now. Thank you for your time, goodbye.".into()));
                }
            }
            call.standing = dialogue.standing();
            match next_action {
                None | Some(Action::Silent) => call.flush().await?,
                Some(Action::Say(text)) => {
                    let currency = call.ctx.plan.hard_constraints.currency.clone();
                    let party = call.ctx.plan.soft_preferences.get("party_size").and_then(|v| v.as_f64());
                    let signals = model::signals(&last_heard, last_quote.exposure(party), &call.standing, currency.as_deref(), &text);
                    let turn = call.model_turn(&history, &signals).await?;
                    let moves: Vec<Move> = turn
                        .as_ref()
                        .map(|t| {
                            t.calls
                                .iter()
                                .filter_map(|(name, arguments)| match model::read_call(name, arguments, &last_heard.menu) {
                                    Ok(m) => Some(m),
                                    Err(why) => {
                                        tracing::warn!(session = %call.ctx.session_id, %why, "a tool call of the model was refused");
                                        None
                                    }
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let spoken = turn.as_ref().map(|t| t.spoken.clone()).unwrap_or_default();
                    let interrupted = turn.as_ref().is_some_and(|t| t.interrupted);
                    let cut_short = turn.as_ref().is_some_and(|t| t.cut_short);
                    // Nothing said (or a sentence cut short by the guard) and no move
                    // that is the whole turn: the rules' line.
                    let spoken = if (spoken.is_empty() || cut_short) && !interrupted && !moves.iter().any(Move::is_turn) {
                        let line = call.say(&text).await?;
                        if spoken.is_empty() { line } else { format!("{spoken} {line}") }
                    } else {
                        spoken
                    };
                    if !spoken.is_empty() {
                        history.push((Speaker::Assistant, spoken));
                    }
                    for m in moves {
                        match m {
                            Move::NoteFact { kind, value } => call.note(&format!("Noted ({kind}): {value}")).await?,
                            Move::StaySilent => call.flush().await?,
                            Move::PressKeys(digits) => {
                                call.note(&format!("Pressed {digits} on the phone menu.")).await?;
                                call.sink.send(Outbound::SendDigits { digits }).await?;
                            }
                            Move::AskApproval { amount, reason } => {
                                if let Action::NeedApproval { say: line, amount, limit, reason } = dialogue.ask_user(amount, reason) {
                                    call.standing = dialogue.standing();
                                    approval_rx = Some(call.ask_user(&line, amount, limit, &reason).await?);
                                    approval_until = Some(tokio::time::Instant::now() + approval_timeout);
                                    approval_amount = amount;
                                }
                                break;
                            }
                            Move::EndCall { outcome, closing } => {
                                dialogue.end();
                                call.standing = dialogue.standing();
                                call.note(&format!("The assistant ended the call: {}.", outcome.as_str())).await?;
                                call.say(&closing).await?;
                                call.hang_up("completed").await?;
                                return Ok(());
                            }
                        }
                    }
                }
                Some(Action::SayExactly(text)) => {
                    let spoken = call.say(&text).await?;
                    history.push((Speaker::Assistant, spoken));
                }
                Some(Action::End(why)) => {
                    call.note(&why).await?;
                    call.hang_up("ended").await?;
                    return Ok(());
                }
                Some(Action::Digits(digits)) => {
                    call.note(&format!("Pressed {digits} on the phone menu.")).await?;
                    call.sink.send(Outbound::SendDigits { digits }).await?;
                }
                Some(Action::NeedApproval { say: line, amount, limit, reason }) => {
                    call.sayable.extend(amount_digits(amount));
                    call.sayable.extend(amount_digits(limit));
                    approval_rx = Some(call.ask_user(&line, amount, limit, &reason).await?);
                    approval_until = Some(tokio::time::Instant::now() + approval_timeout);
                    approval_amount = amount;
                }
                Some(Action::Final(text)) => {
                    if call.ctx.script.voicemail_message == text {
                        call.note("Voicemail detected; message left.").await?;
                    }
                    call.say(&text).await?;
                    call.hang_up("completed").await?;
                    return Ok(());
                }
            }
            if dialogue.is_done() {
                return Ok(());
            }
        }
    }
    .await;
    call.state.hub.forget_approval(call.ctx.session_id);
    // What was heard last is stored however the call ended.
    let stored = call.flush().await;
    let _ = call.sink.close().await;
    // No more beats: a late end-of-call report from the network is not a lost call.
    drop(held);
    let _ = connected.await;
    let used = call
        .state
        .ai
        .conversation_model()
        .filter(|_| !call.usage.is_empty())
        .map(|model| ModelUsage { model: model.model().to_owned(), usage: call.usage });
    let on_hold = held_for + hold_since.map(|since| since.elapsed()).unwrap_or_default();
    let on_hold_secs = on_hold.as_secs_f64().round().min(f64::from(i32::MAX)) as i32;
    if let Err(e) = calls::engine_done(&call.state, &call.ctx, on_hold_secs, used.as_ref()).await {
        tracing::warn!(error = %e.message, "cannot record that the engine let go of the call, or what the model used");
    }
    ended.and(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A card number the business reads out, unbroken, is not one the
    /// assistant may repeat, however the model words it; the other
    /// numbers said with it are, but not beside words of private data
    /// (the business offering a CVV to confirm).
    #[test]
    fn a_card_number_heard_is_never_said_back() {
        use guard::{Blocked, Standing, check_model};
        let none = Standing::default();
        let heard = "The card on file is 4111111111111111, and your job number is 7731. Is the CVV 123?";
        let said = heard_numbers(heard);
        assert_eq!(said, ["7731", "123"]);
        for reply in [
            "Yes, that's 4111111111111111.",
            "Right, 4111 1111 1111 1111, and job 7731.",
            "It's four one one one one one one one one one one one one one one one.",
            "Yes, the CVV is 123.",
            "Correct, security code 123.",
        ] {
            assert_eq!(check_model(reply, &none, &[], &said), Err(Blocked::PrivateData), "{reply}");
        }
        assert_eq!(check_model("Job 7731, thank you.", &none, &[], &said), Ok(()));
        // Read out in groups, no group of it is sayable either: the model
        // cannot say the card a few digits a turn.
        let grouped = heard_numbers("Card ending... no, the whole card is 4111 1111 1111 1111. Job 7731.");
        assert_eq!(grouped, ["7731"]);
        for reply in ["Sure, 4111 1111.", "And then 1111 1111."] {
            assert_eq!(check_model(reply, &none, &[], &grouped), Err(Blocked::Invents), "{reply}");
        }
        // A long number the task itself gives (a phone number abroad may
        // pass the checksum) stays sayable: what kept the card out is that
        // it was only heard. Every digit string heard was sayable before.
        let everything = numbers_in(heard);
        assert_eq!(check_model("Yes, that's 4111111111111111.", &none, &everything, &[]), Ok(()));
        assert_eq!(check_model("Yes, the CVV is 123.", &none, &everything, &[]), Ok(()));
    }

    #[test]
    fn streamed_words_are_held_back_until_what_follows_them_is_known() {
        assert_eq!(releasable("Sure"), 0);
        assert_eq!(releasable("one two three four five"), 0);
        assert_eq!(&"one two three four five six"[..releasable("one two three four five six")], "one ");
        // A whole sentence goes out at once.
        let text = "Thanks, that helps. And then";
        assert_eq!(&text[..releasable(text)], "Thanks, that helps. ");
        // A number still being written waits, however long the sentence.
        let text = "my card is 4111 1111 1111 1111 and more words here";
        assert_eq!(&text[..releasable(text)], "my card is ");
        let text = "It's 4111. 1111 1111";
        assert_eq!(releasable(text), 0);
        // Words that end in digits are words.
        assert_eq!(&"word1 word2 word3 word4 word5 word6"[..releasable("word1 word2 word3 word4 word5 word6")], "word1 ");
        // "$12.50" is one word, not a sentence end.
        assert_eq!(last_sentence_end("That's $12.50 total"), None);
        assert_eq!(last_sentence_end("Ok. Great! Then"), Some("Ok. Great! ".len()));
    }

    #[test]
    fn what_is_said_instead_never_trips_the_guard_itself() {
        let strict = Standing { unsettled: Some("x".into()), awaiting_user: true, declined: true };
        for blocked in [Blocked::Agrees, Blocked::PrivateData, Blocked::DeniesAi, Blocked::Invents] {
            let line = safe_line(blocked, "Ada");
            assert_eq!(guard::check(&line, &strict, &[]), Ok(()), "{line}");
        }
    }
}
