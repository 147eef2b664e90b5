//! Search across a user's calls: what was said, the summaries and the
//! facts, all encrypted at rest. Rows carry the keyed terms of their words
//! (`crypto::Cipher::terms`, a blind index in GIN-indexed `bigint[]`
//! columns); a search looks for its own words' terms, then opens what it
//! found to show it. The database never holds a word, only which rows share
//! one (see README, "Search").

use super::accounts::CurrentUser;
use super::error::{ApiError, ApiResult, internal};
use super::journal::SEARCH_PREFIX;
use super::state::AppState;
use crate::domain::enums::{DataType, HitKind, Speaker};
use crate::domain::search::{DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS, SearchHit, highlight, query_words};
use crate::domain::session::fact_words;
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    kind: String,
    item: Uuid,
    stored: String,
    speaker: Option<String>,
    data_type: Option<String>,
    session_id: Uuid,
    task_id: Uuid,
    title: String,
    started_at: DateTime<Utc>,
}

/// Where the user's words are found, those holding the most of them first,
/// then the latest.
pub async fn search(state: &AppState, user: &CurrentUser, q: &str, limit: Option<i64>) -> ApiResult<Vec<SearchHit>> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::validation("limit", format!("limit must be between 1 and {MAX_LIMIT}")));
    }
    let q = q.trim();
    if q.is_empty() {
        return Err(ApiError::validation("q", "q is required: the words to look for"));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::validation("q", format!("q must be at most {MAX_QUERY_CHARS} characters")));
    }
    let terms = state.cipher.query_terms(q);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    // Terms of each row that are among the query's: its score.
    const SCORE: &str = "(SELECT count(*) FROM unnest({col}) x WHERE x = ANY($1))::int";
    let score = |col: &str| SCORE.replace("{col}", col);
    // First the places, from the indexed rows alone (each checked against
    // its owner with one comparison); then what is shown of the few kept.
    let ranked = format!(
        "SELECT kind, item, score FROM (
             SELECT 'line' AS kind, g.id AS item, {line} AS score, g.created_at AS at, g.timestamp_ms AS at_ms
             FROM call_transcript_segments g WHERE g.user_id = $3 AND g.terms && $1
             UNION ALL
             SELECT 'summary', r.id, {summary}, r.created_at, -1
             FROM call_transcripts r WHERE r.user_id = $3 AND r.summary_terms && $1
             UNION ALL
             SELECT 'fact', e.id, {fact}, e.created_at, -1
             FROM call_extracted_data e WHERE e.user_id = $3 AND e.terms && $1
         ) hits
         ORDER BY score DESC, at DESC, at_ms DESC LIMIT $2",
        line = score("g.terms"),
        summary = score("r.summary_terms"),
        fact = score("e.terms"),
    );
    let mut tx = state.db.snapshot_as(user.id).await?;
    let kept: Vec<(String, Uuid, i32)> =
        sqlx::query_as(sqlx::AssertSqlSafe(ranked)).bind(&terms).bind(limit).bind(user.id).fetch_all(&mut *tx).await?;
    let of = |kind: &str| kept.iter().filter(|k| k.0 == kind).map(|k| k.1).collect::<Vec<Uuid>>();
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT 'line' AS kind, g.id AS item, g.content AS stored, g.speaker, NULL::text AS data_type,
                s.id AS session_id, t.id AS task_id, t.title, s.started_at
         FROM call_transcript_segments g JOIN call_transcripts r ON r.id = g.call_transcript_id
         JOIN call_sessions s ON s.id = r.call_session_id JOIN call_tasks t ON t.id = s.call_task_id
         WHERE g.id = ANY($1)
         UNION ALL
         SELECT 'summary', r.id, r.ai_summary, NULL, NULL, s.id, t.id, t.title, s.started_at
         FROM call_transcripts r JOIN call_sessions s ON s.id = r.call_session_id JOIN call_tasks t ON t.id = s.call_task_id
         WHERE r.id = ANY($2)
         UNION ALL
         SELECT 'fact', e.id, e.extracted_value::text, NULL, e.data_type, s.id, t.id, t.title, s.started_at
         FROM call_extracted_data e JOIN call_sessions s ON s.id = e.call_session_id JOIN call_tasks t ON t.id = s.call_task_id
         WHERE e.id = ANY($3)",
    )
    .bind(of("line"))
    .bind(of("summary"))
    .bind(of("fact"))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let words = query_words(q);
    let mut shown: std::collections::HashMap<Uuid, Row> = rows.into_iter().map(|r| (r.item, r)).collect();
    kept.into_iter()
        .filter_map(|(_, item, score)| shown.remove(&item).map(|row| (row, score)))
        .map(|(row, score)| open(state, row, score, &words))
        .collect()
}

fn open(state: &AppState, row: Row, score: i32, words: &[String]) -> ApiResult<SearchHit> {
    let bad = |e: &dyn std::fmt::Display| internal("a search result cannot be read", e.to_string());
    let kind: HitKind = row.kind.parse().map_err(|e| bad(&e))?;
    let text = match kind {
        HitKind::Fact => {
            let stored: serde_json::Value = serde_json::from_str(&row.stored).map_err(|e| bad(&e))?;
            fact_words(&state.cipher.open_json(stored).map_err(|e| bad(&e))?)
        }
        HitKind::Line | HitKind::Summary => state.cipher.decrypt(&row.stored).map_err(|e| bad(&e))?,
    };
    Ok(SearchHit {
        kind,
        call_session_id: row.session_id,
        call_task_id: row.task_id,
        task_title: state.cipher.open(&row.title).map_err(|e| bad(&e))?,
        segment_id: (kind == HitKind::Line).then_some(row.item),
        speaker: row.speaker.map(|s| s.parse::<Speaker>()).transpose().map_err(|e| bad(&e))?,
        data_type: row.data_type.map(|d| d.parse::<DataType>()).transpose().map_err(|e| bad(&e))?,
        parts: highlight(&text, words, SEARCH_PREFIX),
        call_started_at: row.started_at,
        score,
    })
}

/// The task list's "Found in your calls" list for `hits`, rendered here so
/// the browser bundle carries no search types: each place a link to its
/// line (or the summary, or the facts) on the call's page, loaded whole
/// (`rel="external"`) so the browser scrolls there and `:target` marks it.
pub fn render_hits(hits: &[SearchHit]) -> String {
    use super::markup::escape;
    use std::fmt::Write;
    if hits.is_empty() {
        return r#"<p class="cw-muted mt-2" id="call-matches-none">Nothing your calls said matches.</p>"#.to_owned();
    }
    let mut out = String::from(r#"<ul class="cw-card mt-3 divide-y divide-slate-200 dark:divide-slate-800" id="call-matches">"#);
    for hit in hits {
        let (place, anchor) = match (hit.kind, hit.segment_id) {
            (HitKind::Line, Some(id)) => ("said on the call", format!("segment-{id}")),
            (HitKind::Summary, _) => ("in the summary", "summary".to_owned()),
            _ => ("in what was agreed", "facts".to_owned()),
        };
        let _ = write!(
            out,
            r#"<li class="call-match py-3" data-kind="{}"><a class="cw-link" rel="external" href="/calls/{}#{anchor}">{}</a><span class="cw-muted ml-2 text-xs">{place}</span><p class="mt-1 text-sm">"#,
            hit.kind.as_str(),
            hit.call_session_id,
            escape(&hit.task_title),
        );
        for part in &hit.parts {
            if part.matched {
                let _ = write!(
                    out,
                    r#"<mark class="rounded bg-amber-200 px-0.5 dark:bg-amber-700 dark:text-white">{}</mark>"#,
                    escape(&part.text)
                );
            } else {
                out.push_str(&escape(&part.text));
            }
        }
        out.push_str("</p></li>");
    }
    out.push_str("</ul>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::HitPart;

    #[test]
    fn found_places_link_to_their_line_and_escape_what_was_said() {
        let session = Uuid::nil();
        let segment = Uuid::from_u128(7);
        let hit = SearchHit {
            kind: HitKind::Line,
            call_session_id: session,
            call_task_id: Uuid::nil(),
            task_title: "Book <b>cleaning</b>".into(),
            segment_id: Some(segment),
            speaker: Some(Speaker::Human),
            data_type: None,
            parts: vec![
                HitPart { text: "Bright ".into(), matched: false },
                HitPart { text: "Smiles".into(), matched: true },
                HitPart { text: " & <script>".into(), matched: false },
            ],
            call_started_at: "2026-11-30T10:00:00Z".parse().unwrap(),
            score: 1,
        };
        let html = render_hits(std::slice::from_ref(&hit));
        assert!(html.contains(&format!(r#"href="/calls/{session}#segment-{segment}""#)), "{html}");
        assert!(html.contains(">Smiles</mark>") && html.contains("Book &lt;b&gt;cleaning&lt;/b&gt;"), "{html}");
        assert!(html.contains(" &amp; &lt;script&gt;") && !html.contains("<script>"), "{html}");
        let summary = SearchHit { kind: HitKind::Summary, segment_id: None, ..hit };
        assert!(render_hits(&[summary]).contains("#summary\""));
        assert!(render_hits(&[]).contains("call-matches-none"));
    }
}
