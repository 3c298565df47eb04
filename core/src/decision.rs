//! The decision: from a page's probabilities to its kept lines, as `chromecut.model.decision.kept_lines` decides
//! (`tests/unit/model/test_fused.py` holds the two to each other). A line is kept when its probability reaches
//! the threshold, unless the smoothing drops it; a line that holds at least `dominant_share` of its page's
//! characters is kept whatever its probability.
//!
//! The smoothing (a switch cost; 0 is off) keeps, of the lines the threshold keeps, those on the best path of a
//! two-state chain over the page's lines (content, chrome): a line on the content side scores its margin over the
//! threshold, `logit(p) - logit(threshold)` times `sqrt(chars / reference_chars)`, a line on the chrome side 0,
//! and every change of side costs the switch cost. Ties keep the side the path is on.
//!
//! The fallback (a floor in characters; 0 is off) decides a page whose lines at or above the threshold hold fewer
//! characters than the floor at `threshold_share` of the threshold, the smoothing's margins included.

/// The smoothing's parameters (`chromecut.model.decision`'s `SMOOTHING_*` constants and the bundle's cost).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Smoothing {
    /// The cost of a change of side; 0 or less: no smoothing.
    pub switch_cost: f64,
    /// A line of this many characters weighs its margin once.
    pub reference_chars: f64,
    /// Probabilities are clipped this far from 0 and 1 before their logit is taken.
    pub probability_clip: f64,
}

/// The fallback's parameters (the bundle's floor and `chromecut.model.decision.FALLBACK_THRESHOLD_SHARE`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fallback {
    /// A page whose lines at or above the threshold hold fewer characters than this; 0: no fallback.
    pub chars: usize,
    /// ... is decided at this share of the threshold.
    pub threshold_share: f64,
}

/// The threshold, the dominant share, the smoothing and the fallback of a bundle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    pub threshold: f64,
    pub dominant_share: f64,
    pub smoothing: Smoothing,
    pub fallback: Fallback,
}

impl Decision {
    /// One page's decisions: `p` and `lengths` (characters) of its lines, in order.
    pub fn page(&self, p: &[f64], lengths: &[usize]) -> Vec<bool> {
        let threshold = self.page_threshold(p, lengths);
        let mut kept: Vec<bool> = p.iter().map(|&q| q >= threshold).collect();
        if self.smoothing.switch_cost > 0.0 && !p.is_empty() {
            let content = best_path(&self.margins(p, lengths, threshold), self.smoothing.switch_cost);
            for (k, c) in kept.iter_mut().zip(content) {
                *k &= c;
            }
        }
        let total: f64 = lengths.iter().map(|&l| l as f64).sum();
        for (k, &length) in kept.iter_mut().zip(lengths) {
            let chars = length as f64;
            *k |= chars >= self.dominant_share * total && chars > 0.0;
        }
        kept
    }

    /// The threshold the page is decided at: the bundle's, or its fallback share on a page that would keep
    /// fewer characters than the fallback's floor.
    fn page_threshold(&self, p: &[f64], lengths: &[usize]) -> f64 {
        if self.fallback.chars == 0 {
            return self.threshold;
        }
        let above: usize = p.iter().zip(lengths).filter(|(&q, _)| q >= self.threshold).map(|(_, &l)| l).sum();
        if above < self.fallback.chars {
            self.threshold * self.fallback.threshold_share
        } else {
            self.threshold
        }
    }

    /// Each line's score on the content side of `threshold`.
    fn margins(&self, p: &[f64], lengths: &[usize], threshold: f64) -> Vec<f64> {
        let clip = self.smoothing.probability_clip;
        let logit = |q: f64| {
            let q = q.clamp(clip, 1.0 - clip);
            (q / (1.0 - q)).ln()
        };
        let cut = logit(threshold);
        p.iter()
            .zip(lengths)
            .map(|(&q, &length)| (logit(q) - cut) * ((length as f64).max(1.0) / self.smoothing.reference_chars).sqrt())
            .collect()
    }
}

/// Viterbi over two states (chrome scores 0, content scores the line's score, a change costs `switch_cost`):
/// true where the best path is on content.
fn best_path(scores: &[f64], switch_cost: f64) -> Vec<bool> {
    let n = scores.len();
    let (mut chrome, mut content) = (0.0, scores[0]);
    // Whether the best way into chrome (content) at i came from the other state at i - 1.
    let mut into_chrome_switched = vec![false; n];
    let mut into_content_switched = vec![false; n];
    for i in 1..n {
        let (stay_chrome, switch_to_chrome) = (chrome, content - switch_cost);
        let (stay_content, switch_to_content) = (content, chrome - switch_cost);
        into_chrome_switched[i] = switch_to_chrome > stay_chrome;
        into_content_switched[i] = switch_to_content > stay_content;
        chrome = f64::max(stay_chrome, switch_to_chrome);
        content = f64::max(stay_content, switch_to_content) + scores[i];
    }
    let mut on_content = content > chrome;
    let mut path = vec![false; n];
    for i in (0..n).rev() {
        path[i] = on_content;
        on_content = if on_content { !into_content_switched[i] } else { into_chrome_switched[i] };
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(switch_cost: f64) -> Decision {
        Decision {
            threshold: 0.5,
            dominant_share: 0.5,
            smoothing: Smoothing { switch_cost, reference_chars: 40.0, probability_clip: 1e-4 },
            fallback: Fallback { chars: 0, threshold_share: 0.5 },
        }
    }

    fn with_fallback(switch_cost: f64, chars: usize) -> Decision {
        Decision { fallback: Fallback { chars, threshold_share: 0.5 }, ..decision(switch_cost) }
    }

    #[test]
    fn without_smoothing_the_threshold_and_the_dominant_line_decide() {
        let kept = decision(0.0).page(&[0.9, 0.1, 0.55, 0.2], &[40, 40, 40, 400]);
        assert_eq!(kept, vec![true, false, true, true]);
    }

    #[test]
    fn a_line_just_above_the_threshold_among_chrome_goes_and_a_confident_run_stays() {
        let p = [0.95, 0.9, 0.95, 0.1, 0.05, 0.55, 0.1, 0.05];
        let lengths = [200, 200, 200, 40, 40, 40, 40, 40];
        assert!(decision(0.0).page(&p, &lengths)[5]);
        let kept = decision(1.0).page(&p, &lengths);
        assert_eq!(kept, vec![true, true, true, false, false, false, false, false]);
    }

    #[test]
    fn smoothing_never_keeps_a_line_the_threshold_drops() {
        let p = [0.95, 0.45, 0.95];
        let lengths = [200, 40, 200];
        assert_eq!(decision(5.0).page(&p, &lengths), vec![true, false, true]);
    }

    #[test]
    fn a_page_of_one_line_is_the_threshold_and_an_empty_page_nothing() {
        assert_eq!(decision(2.0).page(&[0.6], &[0]), vec![true]);
        assert!(decision(2.0).page(&[], &[]).is_empty());
    }

    #[test]
    fn a_page_that_would_keep_too_little_is_decided_at_the_lower_threshold() {
        // 120 characters at or above 0.5: under a floor of 300 the page is decided at 0.25.
        let p = [0.6, 0.3, 0.3, 0.1];
        let lengths = [120, 200, 200, 100];
        assert_eq!(decision(0.0).page(&p, &lengths), vec![true, false, false, false]);
        assert_eq!(with_fallback(0.0, 300).page(&p, &lengths), vec![true, true, true, false]);
        // Enough kept at the threshold: the fallback changes nothing.
        assert_eq!(with_fallback(0.0, 100).page(&p, &lengths), vec![true, false, false, false]);
    }

    #[test]
    fn the_fallback_threshold_is_the_one_the_smoothing_measures_margins_from() {
        // Three lines between 0.25 and 0.5 on a page that keeps nothing at 0.5: with the fallback and smoothing
        // they are a confident run above the page's threshold, and the chrome line before them goes.
        let p = [0.1, 0.45, 0.45, 0.45];
        let lengths = [40, 200, 200, 200];
        assert_eq!(with_fallback(1.0, 300).page(&p, &lengths), vec![false, true, true, true]);
        assert_eq!(decision(1.0).page(&p, &lengths), vec![false, false, false, false]);
    }
}
