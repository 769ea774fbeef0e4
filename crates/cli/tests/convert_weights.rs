//! `tweetner data convert --type-weights` and `--min-tag-prob`: re-balancing and
//! filtering silver data.

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

#[test]
fn min_tag_prob_keeps_the_tweets_the_teacher_was_sure_of() {
    // Tweet 1: every tag likely; tweet 2: `Paris` at 0.6; tweet 3: a tag the column
    // does not list (probability 0).
    let input = "Adele\tB-musicartist:0.950|B-person:0.050\tB-musicartist\nsings\tO:0.990\tO\n\n\
in\tO:1.000\tO\nParis\tB-geo-loc:0.600|O:0.400\tB-geo-loc\n\n\
Bob\tB-person:1.000\tO\n\n";
    let args = ["data", "convert", "-", "--drop-columns", "--min-tag-prob"];
    let o = run_stdin(&[&args[..], &["0.9"]].concat(), input.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "Adele\tB-musicartist\nsings\tO\n\n");
    assert!(
        stderr(&o).contains("wrote 1 tweets, dropped 2 with a tag below probability 0.9"),
        "{}",
        stderr(&o)
    );
    let o = run_stdin(&[&args[..], &["0.5"]].concat(), input.as_bytes());
    assert_eq!(stdout(&o).matches("\n\n").count(), 2, "{}", stdout(&o));

    // No soft column, or a bad one: an error naming the line.
    let o = run_stdin(&[&args[..], &["0.5"]].concat(), b"a\tO\n\nb\tO\n\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("-:1: --min-tag-prob needs a soft-label column"),
        "{}",
        stderr(&o)
    );
    let o = run_stdin(
        &[&args[..], &["0.5"]].concat(),
        b"a\tO:0.5\tO\nb\tO:x\tO\n\n",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("-:2: probability"), "{}", stderr(&o));
    for bad in ["1.5", "-0.1", "x"] {
        let o = run(&["data", "convert", "-", "--min-tag-prob", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}: a usage error");
    }
}
