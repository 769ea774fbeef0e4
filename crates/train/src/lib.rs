//! placeholder: owned by the train work item.
