//! placeholder: owned by the text work item.
