# Sourced by the scripts that ship a model: the tweets/s their model cards quote.
# The median of three `tweetner bench` runs on 2 threads, so a card's number and
# the README's come from the same measurement.
#
#   speed=$(bench_speed BIN DEV_FILE MODEL_DIR)
bench_speed() {
  "$1" bench "$2" --model "$3" --threads 2 --runs 3 --json |
    python3 -c 'import json, sys; print(round(json.load(sys.stdin)["tweets_per_s"]))'
}
