//! A job's budget (`maxCostUsd`): whether the next provider batch may be created.
//!
//! What is spent is known from the usage of collected results; what is in flight is counted at its
//! worst case (input estimate plus every request's output bound). A batch is created only when
//! spent + in flight + its own worst case stays within the budget. When it does not fit and
//! nothing is in flight, nothing that ends later can make room, so its requests are held back;
//! otherwise it waits for the batches in flight to end (most spend less than their worst case).

use serde::{Deserialize, Serialize};

#[cfg(feature = "tsify")]
use tsify::Tsify;

/// What to do with the next batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum BudgetDecision {
    Submit,
    Wait,
    HoldBack,
}

/// Whether a batch whose worst case is `batch_max_cost` may be created now.
pub fn budget_decision(max_cost: f64, spent: f64, in_flight_max_cost: f64, batch_max_cost: f64) -> BudgetDecision {
    if spent + in_flight_max_cost + batch_max_cost <= max_cost {
        BudgetDecision::Submit
    } else if in_flight_max_cost > 0.0 {
        BudgetDecision::Wait
    } else {
        BudgetDecision::HoldBack
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_created_only_within_the_budget() {
        assert_eq!(budget_decision(1.0, 0.25, 0.25, 0.5), BudgetDecision::Submit);
        assert_eq!(budget_decision(1.0, 0.25, 0.25, 0.51), BudgetDecision::Wait);
        assert_eq!(budget_decision(1.0, 0.6, 0.0, 0.5), BudgetDecision::HoldBack);
        assert_eq!(budget_decision(1.0, 0.0, 0.0, 1.5), BudgetDecision::HoldBack);
    }
}
