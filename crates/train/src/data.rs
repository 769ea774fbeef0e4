//! The run's inputs: [`tweetner_trainkit::read_splits`] with this trainer's
//! config, plus the final-model option (dev joins training, nothing held out).

use tweetner_trainkit::{merge_dev_into_train, read_splits, Datasets, Splits};

use crate::config::TrainConfig;
use crate::error::TrainError;

/// Read the configured files. For a final model dev is appended to the training data
/// and nothing is held out.
pub fn load_datasets(config: &TrainConfig, final_model: bool) -> Result<Datasets, TrainError> {
    let mut data = read_splits(&Splits {
        train: &config.data.train,
        extra: &config.data.extra,
        dev: &config.data.dev,
        labels: &config.data.labels,
        max_train: config.train.max_train_sentences,
        max_dev: config.train.max_dev_sentences,
        soft_labels: config.train.soft_weight > 0.0,
    })?;
    if final_model {
        merge_dev_into_train(&mut data);
    }
    if data.train.is_empty() {
        return Err(TrainError::Config {
            path: config.source.clone(),
            message: "no training sentences".into(),
        });
    }
    Ok(data)
}
