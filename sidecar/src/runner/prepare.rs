//! Validation of a batch's input file before vLLM sees it. Every line goes through the core's
//! [`InputLineChecker`]: good lines are copied to the run's `input.jsonl`, refused lines become
//! errored results in `rejected.jsonl`. The file is read line by line, never whole.
//!
//! One model per run: vLLM serves the one model named by `--model`, so a file whose valid lines ask
//! for different models is refused as a whole (`model_mismatch`, naming the first line that
//! differs), as OpenAI refuses such a file, rather than silently running several vLLM processes.

use std::io;
use std::path::Path;

use batch_router_core::providers::openai::input_line::{InputLineChecker, InvalidLine};
use batch_router_core::Endpoint;
use tokio::io::{AsyncWriteExt, BufReader, BufWriter};

use super::lines::{is_blank, LineKind, LineReader, MAX_LINE_BYTES};
use super::result_lines::rejected_line;
use crate::objects::BatchErrorData;
use crate::store::FileStore;

pub const INPUT: &str = "input.jsonl";
pub const REJECTED: &str = "rejected.jsonl";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// Non-blank lines of the input file.
    pub total: u64,
    pub sent: u64,
    pub rejected: u64,
    /// The model of the sent lines (`None` when no line was valid).
    pub model: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preparation {
    Ready(Prepared),
    /// The file as a whole cannot run; the batch fails with this error.
    Refused(BatchErrorData),
}

/// A backend's own check of a line that passed the common one (the Ray backend refuses what its
/// engine path would drop); `Some` refuses the line.
pub type LineRule = fn(&[u8]) -> Option<InvalidLine>;

/// Checks the lines of `input_file_id` for a batch of `endpoint` (its create call's `endpoint`).
pub async fn prepare(
    files: &FileStore,
    input_file_id: &str,
    endpoint: &str,
    run_dir: &Path,
    rule: Option<LineRule>,
) -> io::Result<Preparation> {
    let Some((_, content)) = files.open_content(input_file_id).await? else {
        return Ok(Preparation::Refused(BatchErrorData {
            param: Some("input_file_id".into()),
            ..BatchErrorData::new("invalid_input_file", format!("The input file {input_file_id} no longer exists."))
        }));
    };
    let mut lines = LineReader::new(BufReader::with_capacity(256 * 1024, content));
    let mut sent_file = BufWriter::new(tokio::fs::File::create(run_dir.join(INPUT)).await?);
    let mut rejected_file = BufWriter::new(tokio::fs::File::create(run_dir.join(REJECTED)).await?);
    let mut checker = InputLineChecker::for_endpoint(Endpoint::from_openai_url(endpoint).unwrap_or_default());
    let mut prepared = Prepared { total: 0, sent: 0, rejected: 0, model: None };
    let mut first_model_line = 0;
    let mut buffer = Vec::new();
    while let Some(kind) = lines.next_line(&mut buffer).await? {
        let number = lines.line_number();
        let checked = match kind {
            LineKind::Complete if is_blank(&buffer) => continue,
            LineKind::Complete => checker.check(&buffer).and_then(|line| match rule.and_then(|rule| rule(&buffer)) {
                Some(refused) => Err(refused),
                None => Ok(line),
            }),
            LineKind::TooLong => Err(InvalidLine {
                custom_id: None,
                code: "line_too_long",
                param: None,
                message: format!("The line is longer than {MAX_LINE_BYTES} bytes."),
            }),
        };
        prepared.total += 1;
        match checked {
            Ok(line) => {
                match &prepared.model {
                    None => {
                        prepared.model = Some(line.model);
                        first_model_line = number;
                    }
                    Some(model) if *model != line.model => {
                        return Ok(Preparation::Refused(mixed_models(model, first_model_line, &line.model, number)));
                    }
                    Some(_) => {}
                }
                sent_file.write_all(&buffer).await?;
                sent_file.write_all(b"\n").await?;
                prepared.sent += 1;
            }
            Err(invalid) => {
                rejected_file.write_all(&rejected_line(&invalid, number)).await?;
                prepared.rejected += 1;
            }
        }
    }
    sent_file.flush().await?;
    rejected_file.flush().await?;
    if prepared.total == 0 {
        return Ok(Preparation::Refused(BatchErrorData::new("empty_file", "The input file has no requests.")));
    }
    Ok(Preparation::Ready(prepared))
}

fn mixed_models(first: &str, first_line: u64, other: &str, line: u64) -> BatchErrorData {
    BatchErrorData {
        code: "model_mismatch".into(),
        message: format!(
            "The input file mixes models: line {first_line} asks for \"{first}\" and line {line} for \"{other}\". \
             vLLM runs one model per process, so each batch must use one model; split the file by model."
        ),
        param: Some("body.model".into()),
        line: Some(line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::PURPOSE_BATCH;
    use crate::store::StateDirectory;

    fn line(custom_id: &str, model: &str) -> String {
        format!(
            r#"{{"custom_id":"{custom_id}","method":"POST","url":"/v1/chat/completions","body":{{"model":"{model}","messages":[{{"role":"user","content":"hi"}}]}}}}"#
        )
    }

    async fn prepare_text(text: &str) -> (tempfile::TempDir, Preparation) {
        let root = tempfile::tempdir().unwrap();
        let state = StateDirectory::open(root.path()).await.unwrap();
        let files = FileStore::open(state.clone()).await.unwrap();
        let temporary = state.temp_path();
        std::fs::write(&temporary, text).unwrap();
        let file = files.register(&temporary, "in.jsonl".into(), PURPOSE_BATCH).await.unwrap();
        let run_dir = root.path().join("run");
        std::fs::create_dir(&run_dir).unwrap();
        let preparation = prepare(&files, &file.id, "/v1/chat/completions", &run_dir, None).await.unwrap();
        (root, preparation)
    }

    #[tokio::test]
    async fn good_lines_are_sent_and_bad_lines_reported() {
        let text = format!("{}\n\n{{broken\n{}\r\n", line("a", "m"), line("b", "m"));
        let (root, preparation) = prepare_text(&text).await;
        assert_eq!(
            preparation,
            Preparation::Ready(Prepared { total: 3, sent: 2, rejected: 1, model: Some("m".into()) })
        );
        let sent = std::fs::read_to_string(root.path().join("run").join(INPUT)).unwrap();
        assert_eq!(sent, format!("{}\n{}\n", line("a", "m"), line("b", "m")));
        let rejected = std::fs::read_to_string(root.path().join("run").join(REJECTED)).unwrap();
        let rejected: serde_json::Value = serde_json::from_str(rejected.trim()).unwrap();
        assert_eq!(rejected["response"]["body"]["error"]["code"], "invalid_json_line");
        assert!(rejected["response"]["body"]["error"]["message"].as_str().unwrap().starts_with("Line 3: "));
    }

    #[tokio::test]
    async fn a_file_with_two_models_is_refused_naming_the_line() {
        let text = format!("{}\n{}\n{}\n", line("a", "m1"), line("b", "m1"), line("c", "m2"));
        let (_root, preparation) = prepare_text(&text).await;
        let Preparation::Refused(error) = preparation else { panic!("{preparation:?}") };
        assert_eq!(error.code, "model_mismatch");
        assert_eq!(error.line, Some(3));
        assert!(error.message.contains("\"m1\"") && error.message.contains("\"m2\""), "{}", error.message);
    }

    #[tokio::test]
    async fn an_invalid_line_with_another_model_does_not_count_as_mixing() {
        let bad = line("b", "m2").replace("POST", "GET");
        let (_root, preparation) = prepare_text(&format!("{}\n{bad}\n", line("a", "m1"))).await;
        assert!(matches!(preparation, Preparation::Ready(Prepared { sent: 1, rejected: 1, .. })), "{preparation:?}");
    }

    #[tokio::test]
    async fn an_empty_file_is_refused() {
        let (_root, preparation) = prepare_text("\n  \n").await;
        let Preparation::Refused(error) = preparation else { panic!("{preparation:?}") };
        assert_eq!(error.code, "empty_file");
    }
}
