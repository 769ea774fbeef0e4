//! `tweetner data convert --type-weights`: re-balancing entity types of silver data.

mod common;

use common::{run, run_stdin, stderr, stdout};

#[test]
fn type_weights_repeat_and_thin_out_tweets_by_their_heaviest_type() {
    // Tweet 1 holds a music artist (weight 3), tweet 2 a place (weight 0: dropped),
    // tweet 3 a place and a person (person is not named: weight 1), tweet 4 nothing.
    let input = b"Adele\tB-musicartist\nsings\tO\n\nin\tO\nParis\tB-geo-loc\n\n\
Bob\tB-person\nin\tO\nRome\tB-geo-loc\n\nhi\tO\n\n";
    let args = [
        "data",
        "convert",
        "-",
        "--type-weights",
        "musicartist=3,geo-loc=0",
    ];
    let o = run_stdin(&args, input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.matches("Adele\tB-musicartist\n").count(), 3, "{out}");
    assert!(!out.contains("Paris"), "{out}");
    assert_eq!(out.matches("Rome").count(), 1, "{out}");
    assert_eq!(out.matches("hi\tO").count(), 1, "{out}");
    assert!(
        stderr(&o).contains("wrote 5 tweets; --type-weights changed the count of 2"),
        "{}",
        stderr(&o)
    );
    // Same input and seed, same output.
    assert_eq!(stdout(&run_stdin(&args, input)), out);

    for bad in ["geo-loc", "geo-loc=-1", "B-geo-loc=2", "geo-loc=1e9"] {
        let o = run(&["data", "convert", "-", "--type-weights", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}: a usage error");
    }
    let o = run(&["data", "convert", "-", "--seed", "3"]);
    assert_eq!(o.status.code(), Some(2), "--seed needs --type-weights");
}
