//! placeholder: owned by the eval work item.
