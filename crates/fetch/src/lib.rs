//! placeholder: owned by the fetch work item.
