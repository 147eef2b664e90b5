//! The sandbox's call recordings: what each side said and when, rendered
//! as a WAV file (8 kHz, 16-bit mono, as a phone line sounds). The sandbox
//! has no speech synthesiser: each line is a voiced tone, low for the
//! business and higher for the assistant, as long as the line would take to
//! say, where it was said. So a recording has the call's real shape and
//! length, and the whole path (record, callback, store, play, delete) runs
//! offline.

use std::time::Duration;

/// Samples per second.
pub const RATE: u32 = 8_000;
/// Characters per second of speech (about 150 words a minute).
const CHARS_PER_SEC: f64 = 15.0;
/// The longest a recording gets, whatever the call: 15 minutes.
const MAX_LEN: Duration = Duration::from_secs(15 * 60);

/// Who said a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Business,
    Assistant,
}

impl Side {
    /// The voice's fundamental, in Hz.
    fn pitch(self) -> f64 {
        match self {
            Side::Business => 180.0,
            Side::Assistant => 300.0,
        }
    }
}

/// The lines of a call as they were said.
#[derive(Debug, Default, Clone)]
pub struct Tape {
    lines: Vec<(Duration, Side, Duration)>,
    /// Where the call ended.
    end: Duration,
}

impl Tape {
    /// `side` began to say `text` at `at` (from the answer).
    pub fn said(&mut self, at: Duration, side: Side, text: &str) {
        let chars = text.chars().filter(|c| !c.is_whitespace()).count();
        if chars == 0 {
            return;
        }
        let length = Duration::from_secs_f64((chars as f64 / CHARS_PER_SEC).clamp(0.3, 20.0));
        self.lines.push((at, side, length));
        self.end = self.end.max(at + length);
    }

    /// The call ended at `at`.
    pub fn ended(&mut self, at: Duration) {
        self.end = self.end.max(at);
    }

    /// How long the recording is, in whole seconds (at least one).
    pub fn seconds(&self) -> u64 {
        self.end.min(MAX_LEN).as_secs().max(1)
    }

    /// The recording as a WAV file.
    pub fn wav(&self) -> Vec<u8> {
        let total = (self.end.min(MAX_LEN).as_secs_f64() * RATE as f64).ceil().max(RATE as f64) as usize;
        let mut samples = vec![0f64; total];
        for &(at, side, length) in &self.lines {
            let start = (at.as_secs_f64() * RATE as f64) as usize;
            let n = (length.as_secs_f64() * RATE as f64) as usize;
            let pitch = side.pitch();
            let fade = (RATE as usize / 100).min(n / 2).max(1);
            for i in 0..n {
                let Some(sample) = samples.get_mut(start + i) else { break };
                let t = i as f64 / RATE as f64;
                // Syllables: the loudness rises and falls four times a second.
                let syllables = 0.55 + 0.45 * (std::f64::consts::TAU * 4.0 * t).sin();
                let edge = (i.min(n - 1 - i) as f64 / fade as f64).min(1.0);
                let voice = (std::f64::consts::TAU * pitch * t).sin() + 0.35 * (std::f64::consts::TAU * 2.0 * pitch * t).sin();
                *sample += 0.3 * syllables * edge * voice;
            }
        }
        let mut out = Vec::with_capacity(44 + 2 * total);
        let data_len = (2 * total) as u32;
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data_len).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes()); // PCM
        out.extend_from_slice(&1u16.to_le_bytes()); // mono
        out.extend_from_slice(&RATE.to_le_bytes());
        out.extend_from_slice(&(RATE * 2).to_le_bytes()); // bytes per second
        out.extend_from_slice(&2u16.to_le_bytes()); // bytes per frame
        out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        for s in samples {
            out.extend_from_slice(&((s.clamp(-1.0, 1.0) * i16::MAX as f64) as i16).to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(wav: &[u8]) -> Vec<i16> {
        wav[44..].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect()
    }

    /// Upward zero crossings per second over `from..to` seconds.
    fn pitch(s: &[i16], from: f64, to: f64) -> f64 {
        let part = &s[(from * RATE as f64) as usize..(to * RATE as f64) as usize];
        let ups = part.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
        ups as f64 / (to - from)
    }

    fn loudness(s: &[i16], from: f64, to: f64) -> f64 {
        let part = &s[(from * RATE as f64) as usize..(to * RATE as f64) as usize];
        part.iter().map(|&x| (x as f64).abs()).sum::<f64>() / part.len() as f64
    }

    #[test]
    fn a_recording_is_a_playable_wav_with_each_line_where_it_was_said() {
        let mut tape = Tape::default();
        // 45 characters: three seconds of the business, then the assistant at 4 s.
        tape.said(Duration::ZERO, Side::Business, "Rapid Plumbing, Joe speaking, how can I help?");
        tape.said(Duration::from_secs(4), Side::Assistant, "Hi, this is Callwright calling for Ada today.");
        tape.ended(Duration::from_secs(9));
        let wav = tape.wav();
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        assert_eq!(u32::from_le_bytes(wav[24..28].try_into().unwrap()), 8_000);
        assert_eq!(&wav[36..40], b"data");
        let data_len = u32::from_le_bytes(wav[40..44].try_into().unwrap()) as usize;
        assert_eq!(data_len, wav.len() - 44);
        assert_eq!(u32::from_le_bytes(wav[4..8].try_into().unwrap()) as usize, wav.len() - 8);
        assert_eq!(tape.seconds(), 9);
        assert_eq!(data_len, 9 * 8_000 * 2);

        let s = samples(&wav);
        // Someone speaks where a line was said, and nobody in between or after.
        assert!(loudness(&s, 0.5, 2.5) > 2_000.0);
        assert!(loudness(&s, 3.2, 3.9) < 1.0);
        assert!(loudness(&s, 4.5, 6.5) > 2_000.0);
        assert!(loudness(&s, 7.5, 9.0) < 1.0);
        // Two voices: the business low, the assistant higher.
        let (business, assistant) = (pitch(&s, 0.5, 2.5), pitch(&s, 4.5, 6.5));
        assert!((150.0..=220.0).contains(&business), "{business}");
        assert!((260.0..=340.0).contains(&assistant), "{assistant}");
    }

    #[test]
    fn overlapping_speech_and_long_calls_stay_within_bounds() {
        let mut tape = Tape::default();
        assert_eq!(tape.seconds(), 1);
        assert_eq!(tape.wav().len(), 44 + 2 * 8_000, "an empty call is a second of silence");
        tape.said(Duration::from_millis(100), Side::Business, &"word ".repeat(400));
        tape.said(Duration::from_millis(200), Side::Assistant, &"é ".repeat(400));
        tape.said(Duration::from_secs(3_600), Side::Assistant, "Goodbye!");
        tape.said(Duration::from_secs(1), Side::Business, " \n\t ");
        let wav = tape.wav();
        assert_eq!(tape.seconds(), 15 * 60);
        assert_eq!(wav.len(), 44 + 2 * 8_000 * 15 * 60);
        // Two voices at once add up without clipping.
        assert!(samples(&wav).iter().all(|&x| x.unsigned_abs() < i16::MAX as u16));
    }
}
