//! Push batches bounded by count and by bytes, so a backlog of large receipts never makes
//! one request larger than the server accepts (pure; ADR 0008 "Bounds").

use std::ops::Range;

/// Splits records of the given sizes, in push order, into consecutive batches of at most
/// `max_records` records and `max_bytes` bytes. A record larger than `max_bytes` travels
/// alone; order is kept and every record is in exactly one batch.
pub fn batches(sizes: &[usize], max_records: usize, max_bytes: usize) -> Vec<Range<usize>> {
    let max_records = max_records.max(1);
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0usize;
    for (i, &size) in sizes.iter().enumerate() {
        let full = i - start == max_records || bytes.saturating_add(size) > max_bytes;
        if i > start && full {
            out.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes = bytes.saturating_add(size);
    }
    if start < sizes.len() {
        out.push(start..sizes.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::batches;

    #[test]
    fn empty_gives_no_batch() {
        assert!(batches(&[], 500, 100).is_empty());
    }

    #[test]
    fn bounded_by_count() {
        assert_eq!(batches(&[1; 7], 3, 100), vec![0..3, 3..6, 6..7]);
        assert_eq!(batches(&[1; 6], 3, 100), vec![0..3, 3..6]);
    }

    #[test]
    fn bounded_by_bytes_and_exact_fit_allowed() {
        assert_eq!(batches(&[4, 4, 4, 4, 4], 500, 10), vec![0..2, 2..4, 4..5]);
        assert_eq!(batches(&[5, 5, 5], 500, 10), vec![0..2, 2..3]);
    }

    #[test]
    fn a_record_over_the_budget_travels_alone() {
        assert_eq!(
            batches(&[1, 2, 30, 3, 40, 50, 1], 500, 10),
            vec![0..2, 2..3, 3..4, 4..5, 5..6, 6..7]
        );
        assert_eq!(batches(&[30], 500, 10), vec![0..1]);
    }

    #[test]
    fn every_record_once_in_order_and_within_bounds() {
        // A deterministic spread of sizes, small to far over the budget.
        let sizes: Vec<usize> = (0..1000u64)
            .map(|i| (i.wrapping_mul(2_654_435_761) % 23) as usize * (1 + (i % 5) as usize))
            .collect();
        for (max_records, max_bytes) in [(1, 10), (7, 40), (500, 100), (3, 1)] {
            let got = batches(&sizes, max_records, max_bytes);
            let mut next = 0;
            for r in &got {
                assert_eq!(r.start, next, "consecutive, nothing skipped");
                assert!(!r.is_empty() && r.len() <= max_records);
                let bytes: usize = sizes[r.clone()].iter().sum();
                assert!(bytes <= max_bytes || r.len() == 1, "{r:?} is {bytes} bytes");
                next = r.end;
            }
            assert_eq!(next, sizes.len());
        }
    }

    #[test]
    fn zero_max_records_still_makes_progress() {
        assert_eq!(batches(&[1, 1], 0, 10), vec![0..1, 1..2]);
    }
}
