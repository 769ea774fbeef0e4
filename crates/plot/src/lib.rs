//! placeholder: owned by the plot work item.
