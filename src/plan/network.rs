//! The address plan: subnets carved from the VNet's address space.

use std::collections::BTreeMap;

pub use crate::address::{Cidr, ResourceId, parse_cidr, parse_cidr_within, parse_resource_id};

/// A subnet the app needs: its name, the size bulwark gives it and the smallest size its
/// service accepts (for pinned ranges).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub name: String,
    pub prefix: u8,
    /// The longest prefix (smallest subnet) the service documents as its minimum.
    pub minimum: u8,
}

/// Where each subnet comes from, in the order of precedence the layout applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Constraints {
    /// Ranges the blueprint pins, by subnet name (already checked to fit).
    pub pinned: BTreeMap<String, Cidr>,
    /// Ranges an earlier generation gave, by subnet name: kept while they still fit, so
    /// adding or removing a component never moves another one's subnet.
    pub previous: BTreeMap<String, Cidr>,
}

/// Lay the requested subnets out in `ranges`: pinned ones where pinned, then those an earlier
/// generation placed where they were, then the rest in request order, each in the first
/// aligned block free of the others. `None` when they do not all fit.
pub fn lay_out(
    ranges: &[Cidr],
    requests: &[Request],
    constraints: &Constraints,
) -> Option<Vec<Cidr>> {
    let mut placed: Vec<Option<Cidr>> = requests
        .iter()
        .map(|request| constraints.pinned.get(&request.name).copied())
        .collect();
    let mut taken = Taken::default();
    placed
        .iter()
        .flatten()
        .for_each(|block| taken.insert(*block));
    for (index, request) in requests.iter().enumerate() {
        if placed[index].is_some() {
            continue;
        }
        if let Some(previous) = constraints.previous.get(&request.name).copied() {
            let fits = previous.prefix <= request.minimum
                && ranges.iter().any(|range| range.contains(previous))
                && !taken.overlaps(previous);
            if fits {
                placed[index] = Some(previous);
                taken.insert(previous);
            }
        }
    }
    for (index, request) in requests.iter().enumerate() {
        if placed[index].is_some() {
            continue;
        }
        let block = first_free(ranges, request.prefix, &taken)?;
        placed[index] = Some(block);
        taken.insert(block);
    }
    placed.into_iter().collect()
}

/// The address blocks taken so far, as disjoint runs (start → end, adjacent and overlapping
/// blocks merged), so that finding what a candidate block overlaps is one ordered-map lookup
/// and a search skips a whole run of taken blocks at once: the layout stays linear in the
/// number of subnets (issue 14), where comparing with every placed block was quadratic.
#[derive(Debug, Default)]
struct Taken {
    runs: BTreeMap<u64, u64>,
}

impl Taken {
    /// The run that overlaps `[start, end)` and starts last, if any.
    fn last_overlapping(&self, start: u64, end: u64) -> Option<(u64, u64)> {
        crate::counters::add(crate::counters::Counter::AddressProbes, 1);
        let (&run_start, &run_end) = self.runs.range(..end).next_back()?;
        (run_end > start).then_some((run_start, run_end))
    }

    fn overlaps(&self, block: Cidr) -> bool {
        self.last_overlapping(u64::from(block.base), block.end())
            .is_some()
    }

    fn insert(&mut self, block: Cidr) {
        let (mut start, mut end) = (u64::from(block.base), block.end());
        // Merge every run that overlaps or touches the block (runs are disjoint and sorted).
        while let Some((&run_start, &run_end)) = self.runs.range(..=end).next_back() {
            if run_end < start {
                break;
            }
            self.runs.remove(&run_start);
            start = start.min(run_start);
            end = end.max(run_end);
        }
        self.runs.insert(start, end);
    }
}

/// The first aligned block of `prefix` in `ranges` (in order) that overlaps nothing taken.
fn first_free(ranges: &[Cidr], prefix: u8, taken: &Taken) -> Option<Cidr> {
    let size = 1u64 << (32 - u32::from(prefix));
    for range in ranges {
        if prefix < range.prefix {
            continue;
        }
        let mut start = u64::from(range.base);
        while start + size <= range.end() {
            match taken.last_overlapping(start, start + size) {
                // Skip past the run in the way, then realign: every aligned block before
                // its end overlaps it, so none is skipped that could have been free.
                Some((_, end)) => start = end.div_ceil(size) * size,
                None => {
                    return Some(Cidr {
                        base: start as u32,
                        prefix,
                    });
                }
            }
        }
    }
    None
}

/// The shortest prefix (the largest single block) that could hold `requests` laid out by
/// `requests_for(space)`, for the "what fits" hint.
pub fn smallest_fitting_prefix(requests_for: impl Fn(Cidr) -> Vec<Request>) -> u8 {
    (8..=24u8)
        .rev()
        .find(|prefix| {
            let space = Cidr {
                base: 0,
                prefix: *prefix,
            };
            lay_out(&[space], &requests_for(space), &Constraints::default()).is_some()
        })
        .unwrap_or(8)
}

/// Free blocks of `prefix` left in `ranges` next to `taken`, at most `limit` of them.
pub fn free_blocks(ranges: &[Cidr], prefix: u8, taken: &[Cidr], limit: usize) -> Vec<Cidr> {
    let mut placed = Taken::default();
    taken.iter().for_each(|block| placed.insert(*block));
    let mut found = Vec::new();
    while found.len() < limit {
        match first_free(ranges, prefix, &placed) {
            Some(block) => {
                found.push(block);
                placed.insert(block);
            }
            None => break,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            parse_cidr("10.0.0.0/16").unwrap().to_string(),
            "10.0.0.0/16"
        );
        assert!(
            parse_cidr("10.0.0.1/16")
                .unwrap_err()
                .contains("10.0.0.0/16")
        );
        assert!(parse_cidr("10.0.0.0/30").is_err());
        assert!(parse_cidr("10.0.0/16").is_err());
        assert!(parse_cidr("10.0.0.256/24").is_err());
        assert!(parse_cidr("nonsense").is_err());
        // One address, as a waiver's allow_from may give it.
        assert_eq!(
            parse_cidr_within("192.0.2.10/32", 1, 32)
                .unwrap()
                .to_string(),
            "192.0.2.10/32"
        );
        assert_eq!(
            parse_cidr_within("0.0.0.0/1", 1, 32).unwrap().to_string(),
            "0.0.0.0/1"
        );
    }

    fn request(name: &str, prefix: u8) -> Request {
        Request {
            name: name.into(),
            prefix,
            minimum: 28,
        }
    }

    fn shown(blocks: &[Cidr]) -> Vec<String> {
        blocks.iter().map(Cidr::to_string).collect()
    }

    #[test]
    fn lays_out_aligned_blocks_in_order() {
        let space = parse_cidr("10.1.0.0/16").unwrap();
        let requests = [request("pe", 24), request("a", 26), request("b", 26)];
        let plan = lay_out(&[space], &requests, &Constraints::default()).unwrap();
        assert_eq!(shown(&plan), ["10.1.0.0/24", "10.1.1.0/26", "10.1.1.64/26"]);
    }

    #[test]
    fn keeps_previous_ranges_and_fills_the_gaps() {
        let space = parse_cidr("10.1.0.0/16").unwrap();
        // `a` was removed; `b` keeps its range and the new `c` takes the hole `a` left.
        let requests = [request("pe", 24), request("b", 26), request("c", 26)];
        let constraints = Constraints {
            previous: [
                (
                    "pe".to_string(),
                    parse_cidr_within("10.1.0.0/24", 8, 29).unwrap(),
                ),
                (
                    "b".to_string(),
                    parse_cidr_within("10.1.1.64/26", 8, 29).unwrap(),
                ),
            ]
            .into(),
            ..Constraints::default()
        };
        let plan = lay_out(&[space], &requests, &constraints).unwrap();
        assert_eq!(shown(&plan), ["10.1.0.0/24", "10.1.1.64/26", "10.1.1.0/26"]);
    }

    #[test]
    fn pins_win_and_others_flow_around_them() {
        let space = parse_cidr("10.1.0.0/16").unwrap();
        let requests = [request("pe", 24), request("a", 26), request("b", 26)];
        let constraints = Constraints {
            pinned: [(
                "a".to_string(),
                parse_cidr_within("10.1.1.0/25", 8, 29).unwrap(),
            )]
            .into(),
            ..Constraints::default()
        };
        let plan = lay_out(&[space], &requests, &constraints).unwrap();
        assert_eq!(
            shown(&plan),
            ["10.1.0.0/24", "10.1.1.0/25", "10.1.1.128/26"]
        );
    }

    #[test]
    fn spans_several_ranges() {
        let ranges = [
            parse_cidr_within("10.1.0.0/25", 8, 29).unwrap(),
            parse_cidr_within("10.2.0.0/25", 8, 29).unwrap(),
        ];
        let requests = [request("pe", 26), request("a", 26), request("b", 26)];
        let plan = lay_out(&ranges, &requests, &Constraints::default()).unwrap();
        assert_eq!(shown(&plan), ["10.1.0.0/26", "10.1.0.64/26", "10.2.0.0/26"]);
    }

    #[test]
    fn says_what_would_fit() {
        let requests = |_space: Cidr| vec![request("pe", 24), request("a", 26)];
        let space = parse_cidr("10.1.0.0/24").unwrap();
        assert_eq!(
            lay_out(&[space], &requests(space), &Constraints::default()),
            None
        );
        assert_eq!(smallest_fitting_prefix(requests), 23);
    }
}
