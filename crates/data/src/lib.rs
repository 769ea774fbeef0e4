//! placeholder: owned by the data work item.
