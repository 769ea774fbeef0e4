//! placeholder: owned by the features work item.
