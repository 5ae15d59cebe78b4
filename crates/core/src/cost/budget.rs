//! A job's budget (`maxCostUsd`): which requests of the next provider batch may be created now.
//!
//! What is spent is known from the usage of collected results; what is in flight is counted at its
//! worst case (input estimate plus every request's output bound). A batch is created with the
//! requests that keep spent + in flight + its own worst case within the budget: all of them, or,
//! taken in order, each that still fits (a dearer request does not stop a cheaper one after it),
//! the rest waiting for a later batch. When none fits and nothing is in flight, nothing that ends
//! later can make room, so they are held back; otherwise they wait for the batches in flight to end
//! (most spend less than their worst case).

/// What to do with the next batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BudgetDecision {
    /// Create a batch of these requests (indices into the batch, ascending): all, or those that fit.
    Submit(Vec<u32>),
    /// None fits until a batch in flight ends.
    Wait,
    /// None fits, and nothing in flight can make room.
    HoldBack,
}

/// Which requests of a batch, whose worst cases are `request_max_costs` in order, may be created now.
pub fn budget_decision(
    max_cost: f64,
    spent: f64,
    in_flight_max_cost: f64,
    request_max_costs: &[f64],
) -> BudgetDecision {
    let committed = spent + in_flight_max_cost;
    let mut taken = 0.0;
    let mut admitted = Vec::new();
    for (index, &cost) in (0..).zip(request_max_costs) {
        // The same sum as the whole batch's (spent + in flight + its worst case): all admitted
        // exactly when the whole batch fits.
        if committed + (taken + cost) <= max_cost {
            taken += cost;
            admitted.push(index);
        }
    }
    if !admitted.is_empty() {
        BudgetDecision::Submit(admitted)
    } else if in_flight_max_cost > 0.0 {
        BudgetDecision::Wait
    } else {
        BudgetDecision::HoldBack
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BudgetDecision::{HoldBack, Submit, Wait};

    #[test]
    fn a_batch_is_created_only_within_the_budget() {
        assert_eq!(budget_decision(1.0, 0.25, 0.25, &[0.25, 0.25]), Submit(vec![0, 1]));
        assert_eq!(budget_decision(1.0, 0.25, 0.25, &[0.51]), Wait);
        assert_eq!(budget_decision(1.0, 0.6, 0.0, &[0.5]), HoldBack);
        assert_eq!(budget_decision(1.0, 0.0, 0.0, &[1.5]), HoldBack);
    }

    #[test]
    fn the_part_that_fits_is_created_in_order() {
        // Room for two of three.
        assert_eq!(budget_decision(1.0, 0.3, 0.0, &[0.3, 0.3, 0.3]), Submit(vec![0, 1]));
        // With batches in flight too: the part that fits goes now, the rest waits.
        assert_eq!(budget_decision(1.0, 0.2, 0.4, &[0.25, 0.25]), Submit(vec![0]));
        // A dearer request does not stop a cheaper one after it.
        assert_eq!(budget_decision(1.0, 0.5, 0.0, &[0.2, 0.4, 0.1, 0.3]), Submit(vec![0, 2]));
        assert_eq!(budget_decision(1.0, 0.5, 0.0, &[0.6, 0.5]), Submit(vec![1]));
        // Exactly at the budget fits.
        assert_eq!(budget_decision(1.0, 0.5, 0.25, &[0.25, 0.0]), Submit(vec![0, 1]));
    }

    #[test]
    fn what_is_admitted_never_passes_the_budget() {
        // Awkward binary fractions: the admitted requests' sum, with what is spent and in flight,
        // stays within the budget, and every request left out would pass it.
        let costs = [0.1, 0.2, 0.7, 0.05, 0.3, 0.15, 0.6, 0.01];
        for (max_cost, spent, in_flight) in [(1.0, 0.1, 0.2), (0.9, 0.0, 0.0), (1.3, 0.45, 0.05), (0.31, 0.0, 0.1)] {
            let Submit(admitted) = budget_decision(max_cost, spent, in_flight, &costs) else {
                panic!("something fits")
            };
            let sum: f64 = admitted.iter().map(|&index| costs[index as usize]).sum();
            assert!(spent + in_flight + sum <= max_cost, "{admitted:?} pass {max_cost}");
            for index in (0..costs.len() as u32).filter(|index| !admitted.contains(index)) {
                assert!(
                    spent + in_flight + sum + costs[index as usize] > max_cost,
                    "{index} would have fit under {max_cost}"
                );
            }
        }
    }
}
