//! placeholder: owned by the model work item.
