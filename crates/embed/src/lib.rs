//! placeholder: owned by the embed work item.
