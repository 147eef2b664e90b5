//! Seals personal text written before it was encrypted at rest (migration
//! 0007), and indexes for search what calls said before search existed
//! (migration 0008): contact names, companies and e-mails, task titles (and their
//! search terms), plans, clarifications, call scripts, follow-ups, extracted
//! facts, notification messages and approval reasons. Run at startup before
//! serving; idempotent (a sealed value is left alone), and safe beside other
//! processes (a row changed meanwhile is left for their own writes, which
//! seal it). Rows keep their `updated_at`: sealing is not a change.

use super::crypto::Cipher;
use super::db::Db;
use uuid::Uuid;

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Json,
}

/// Every column that holds sealed values now, and may hold older plaintext.
const COLUMNS: &[(&str, &str, Kind)] = &[
    ("contacts", "name", Kind::Text),
    ("contacts", "company_name", Kind::Text),
    ("contacts", "email", Kind::Text),
    ("call_tasks", "title", Kind::Text),
    ("call_tasks", "ai_plan", Kind::Json),
    ("call_tasks", "user_clarifications", Kind::Json),
    ("call_sessions", "ai_call_script", Kind::Json),
    ("call_transcripts", "follow_up_tasks", Kind::Json),
    ("call_extracted_data", "extracted_value", Kind::Json),
    ("notifications", "message", Kind::Text),
    ("call_approvals", "reason", Kind::Text),
];

const BATCH: i64 = 500;

/// Seals whatever is still plaintext; returns how many values it sealed.
pub async fn run(db: &Db, cipher: &Cipher) -> Result<u64, sqlx::Error> {
    let mut sealed = 0;
    for &(table, column, kind) in COLUMNS {
        // A JSON document is sealed when it is a string that decrypts.
        let plain = match kind {
            Kind::Text => format!("{column} IS NOT NULL AND left({column}, 7) <> 'enc:v1:'"),
            Kind::Json => format!(
                "{column} IS NOT NULL AND NOT (jsonb_typeof({column}) = 'string' AND left({column} #>> '{{}}', 7) = 'enc:v1:')"
            ),
        };
        let value = match kind {
            Kind::Text => column.to_owned(),
            Kind::Json => format!("{column}::text"),
        };
        loop {
            let rows: Vec<(Uuid, String)> =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT id, {value} FROM {table} WHERE {plain} LIMIT {BATCH}")))
                    .fetch_all(db.system())
                    .await?;
            if rows.is_empty() {
                break;
            }
            let mut progressed = false;
            let mut tx = db.system().begin().await?;
            sqlx::query("SELECT set_config('callwright.keep_updated_at', 'on', true)").execute(&mut *tx).await?;
            for (id, text) in rows {
                let (seal, set, current) = match kind {
                    Kind::Text => (cipher.encrypt(&text), "$2", column.to_owned()),
                    Kind::Json => {
                        let Ok(doc) = serde_json::from_str(&text) else { continue };
                        (cipher.seal_json(&doc).to_string(), "$2::jsonb", format!("{column}::text"))
                    }
                };
                // A title's search terms go with it.
                let terms = ((table, column) == ("call_tasks", "title")).then(|| cipher.terms(&text));
                let also = if terms.is_some() { ", title_terms = $4" } else { "" };
                let sql = format!("UPDATE {table} SET {column} = {set}{also} WHERE id = $1 AND {current} = $3");
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(seal).bind(&text);
                if let Some(terms) = terms {
                    query = query.bind(terms);
                }
                if query.execute(&mut *tx).await?.rows_affected() > 0 {
                    sealed += 1;
                    progressed = true;
                }
            }
            tx.commit().await?;
            if !progressed {
                // What is left changed under us: its writers sealed it.
                break;
            }
        }
    }
    if sealed > 0 {
        tracing::info!(sealed, "sealed personal text written before it was encrypted");
    }
    let indexed = index(db, cipher).await?;
    if indexed > 0 {
        tracing::info!(indexed, "indexed for search what calls said before search existed");
    }
    Ok(sealed + indexed)
}

/// What a row's search terms are made of.
#[derive(Clone, Copy)]
enum Source {
    /// Encrypted text.
    Text,
    /// A sealed (or older plain) fact, searched by its words.
    Fact,
}

/// Rows written before search (terms NULL): their terms, from their text.
const UNINDEXED: &[(&str, &str, &str, Source)] = &[
    ("call_transcript_segments", "terms", "content", Source::Text),
    ("call_transcripts", "summary_terms", "ai_summary", Source::Text),
    ("call_extracted_data", "terms", "extracted_value::text", Source::Fact),
];

async fn index(db: &Db, cipher: &Cipher) -> Result<u64, sqlx::Error> {
    let mut indexed = 0;
    for &(table, terms, text, source) in UNINDEXED {
        loop {
            let rows: Vec<(Uuid, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id, {text} FROM {table} WHERE {terms} IS NULL AND {text} IS NOT NULL LIMIT {BATCH}"
            )))
            .fetch_all(db.system())
            .await?;
            if rows.is_empty() {
                break;
            }
            for (id, stored) in rows {
                let words = match source {
                    Source::Text => cipher.open(&stored).ok(),
                    Source::Fact => serde_json::from_str(&stored)
                        .ok()
                        .and_then(|v| cipher.open_json(v).ok())
                        .map(|v| crate::domain::session::fact_words(&v)),
                };
                // Unreadable with this key: no terms (and not tried again).
                let found = words.map(|w| cipher.terms_from(&w, super::journal::SEARCH_PREFIX)).unwrap_or_default();
                sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE {table} SET {terms} = $2 WHERE id = $1")))
                    .bind(id)
                    .bind(found)
                    .execute(db.system())
                    .await?;
                indexed += 1;
            }
        }
    }
    Ok(indexed)
}
