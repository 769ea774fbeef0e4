//! Unit tests, one group per token class, on raw tweet-like text.

use super::*;

fn toks(s: &str) -> Vec<String> {
    tokenize(s).into_iter().map(|t| t.text).collect()
}

fn kinds(s: &str) -> Vec<(String, TokenKind)> {
    tokenize(s).into_iter().map(|t| (t.text, t.kind)).collect()
}

fn kind_of(s: &str, tok: &str) -> TokenKind {
    match tokenize(s).into_iter().find(|t| t.text == tok) {
        Some(t) => t.kind,
        None => panic!("{tok:?} not a token of {s:?}: {:?}", toks(s)),
    }
}

#[test]
fn words_and_sentence_punctuation() {
    assert_eq!(
        toks("Made it back home to GA."),
        ["Made", "it", "back", "home", "to", "GA", "."]
    );
    assert_eq!(toks("wait...what?!"), ["wait", "...", "what", "?!"]);
    assert_eq!(toks("lol!!! ok,fine"), ["lol", "!!!", "ok", ",", "fine"]);
    assert_eq!(toks("he said \"no.\""), ["he", "said", "\"", "no", ".\""]);
    assert_eq!(kind_of("so good!!", "!!"), TokenKind::Punct);
    assert_eq!(kind_of("so good!!", "good"), TokenKind::Word);
}

#[test]
fn glued_symbols_stay_with_their_word() {
    assert_eq!(toks("w/ friends w/o you"), ["w/", "friends", "w/o", "you"]);
    assert_eq!(
        toks("long-term *wink* -via ~TGIF~"),
        ["long-term", "*wink*", "-via", "~TGIF~"]
    );
    assert_eq!(toks("a -- b"), ["a", "--", "b"]);
    assert_eq!(toks("this--that"), ["this", "--", "that"]);
}

#[test]
fn contractions_and_possessives() {
    assert_eq!(
        toks("I'm sure it's John's don't"),
        ["I'm", "sure", "it", "'s", "John", "'s", "don't"]
    );
    assert_eq!(toks("IT'S LET'S"), ["IT'S", "LET'S"]);
    assert_eq!(
        toks("do n't I 'm it 's"),
        ["do", "n't", "I", "'m", "it", "'s"]
    );
    // The data never splits punctuation off a word with an apostrophe.
    assert_eq!(toks("she didn't. Mary's."), ["she", "didn't.", "Mary's."]);
    assert_eq!(toks("(it's)"), ["(", "it", "'s", ")"]);
    assert_eq!(toks("she`s"), ["she`s"]);
    // Issue 16, typographic apostrophes: tokenized as `'` is, whichever of
    // ’ ‘ ＇ the keyboard put there.
    for a in ['\u{2019}', '\u{2018}', '\u{FF07}'] {
        let text = "I'm sure it's John's don't, she didn't. (it's) the '90s y'all"
            .replace('\'', &a.to_string());
        let want: Vec<String> = [
            "I'm", "sure", "it", "'s", "John", "'s", "don't,", "she", "didn't.", "(", "it", "'s",
            ")", "the", "'90s", "y'all",
        ]
        .iter()
        .map(|t| t.replace('\'', &a.to_string()))
        .collect();
        assert_eq!(toks(&text), want, "apostrophe {a:?}");
    }
    // Curly quotes around words are split off as straight ones are.
    assert_eq!(
        toks("the \u{201C}Dawn\u{201D} movie \u{2018}Up\u{2019} (ok...)"),
        [
            "the", "\u{201C}", "Dawn", "\u{201D}", "movie", "\u{2018}", "Up", "\u{2019}", "(",
            "ok", "...", ")"
        ]
    );
    assert_eq!(
        toks("since '07 and the '90s"),
        ["since", "'07", "and", "the", "'90s"]
    );
}

#[test]
fn quotes() {
    assert_eq!(
        toks("' Breaking Dawn ' returns"),
        ["'", "Breaking", "Dawn", "'", "returns"]
    );
    assert_eq!(toks("the 'Dawn' movie"), ["the", "'", "Dawn", "'", "movie"]);
    // A tweet wrapped in single quotes keeps them on its edge tokens.
    assert_eq!(
        toks("'RT @a : hi http://t.co/x'"),
        ["'RT", "@a", ":", "hi", "http://t.co/x'"]
    );
    assert_eq!(toks("'RT @a : hi"), ["'", "RT", "@a", ":", "hi"]);
}

#[test]
fn urls() {
    let cases = [
        ("see http://bit.ly/dbDMs8 now", "http://bit.ly/dbDMs8"),
        (
            "HTTPS://Example.com/a?b=c&amp;d=e",
            "HTTPS://Example.com/a?b=c&amp;d=e",
        ),
        ("go to www.NLCLive.com.", "www.NLCLive.com"),
        ("weather.com says", "weather.com"),
        ("bit.ly/xyz", "bit.ly/xyz"),
        ("fb.me/IxhGnUhs!", "fb.me/IxhGnUhs"),
        ("(http://x.org/a_(b))", "http://x.org/a_(b)"),
        ("(see http://x.org/a)", "http://x.org/a"),
        ("\"http://x.org/q\"", "http://x.org/q"),
        ("&quot;http://x.org/q&quot;", "http://x.org/q"),
    ];
    for (text, url) in cases {
        assert_eq!(kind_of(text, url), TokenKind::Url, "{text}");
    }
    // Not URLs: abbreviations, a missing space, a word@domain.
    assert_eq!(
        toks("U.S. p.m. e.g. love.me"),
        ["U.S.", "p.m.", "e.g.", "love", ".", "me"]
    );
    assert_eq!(toks("Whitehttp://x.com")[0], "Whitehttp");
}

#[test]
fn mentions_hashtags_cashtags() {
    assert_eq!(
        kinds("@SammieLynnsMom: #FF $FB"),
        [
            ("@SammieLynnsMom".into(), TokenKind::Mention),
            (":".into(), TokenKind::Punct),
            ("#FF".into(), TokenKind::Hashtag),
            ("$FB".into(), TokenKind::Hashtag),
        ]
    );
    assert_eq!(
        toks("@user's .@user (@user)"),
        ["@user", "'s", ".", "@user", "(", "@user", ")"]
    );
    // After a letter, @ and # do not start a tag (Twitter's rule).
    assert_eq!(
        toks("RT@vincewelch mom#priceless"),
        ["RT@vincewelch", "mom#priceless"]
    );
    assert_eq!(
        toks("#FRIDAY#MANIA #nowplaying-"),
        ["#FRIDAY#MANIA", "#nowplaying-"]
    );
    assert_eq!(kind_of("#日本語 ok", "#日本語"), TokenKind::Hashtag);
    assert_eq!(kind_of("we're #1", "#1"), TokenKind::Number);
    assert_eq!(toks("@ the mall"), ["@", "the", "mall"]);
}

#[test]
fn emails() {
    assert_eq!(
        kind_of(
            "mail me: jo.doe+x@mail.example.co.uk.",
            "jo.doe+x@mail.example.co.uk"
        ),
        TokenKind::Email
    );
    assert_eq!(toks("sorgelaw@yahoo . com"), ["sorgelaw@yahoo", ".", "com"]);
}

#[test]
fn numbers() {
    let cases = [
        "3:30pm",
        "$5",
        "1,000",
        "2.5",
        "100%",
        "1st",
        "9/18/2010",
        "$4.99",
        "10:30",
        "980-333-3923",
        "-5",
        "+1",
        "£20",
    ];
    for n in cases {
        assert_eq!(kinds(n), [(n.to_string(), TokenKind::Number)], "{n}");
    }
    assert_eq!(
        toks("at 5.Then 1,00 or 12,345,678."),
        [
            "at",
            "5",
            ".",
            "Then",
            "1",
            ",",
            "00",
            "or",
            "12,345,678",
            "."
        ]
    );
}

#[test]
fn emoticons() {
    for e in [
        ":)", ":-D", "<3", "</3", ";P", ":/", ":'(", ">:(", "=)", ":))))", "XD", "^_^", "-_-",
        "o.O", "T_T", "(:", "&lt;3", ";-)", ":p",
    ] {
        assert_eq!(kinds(e), [(e.to_string(), TokenKind::Emoticon)], "{e}");
        let s = format!("so happy {e} today");
        assert_eq!(toks(&s), ["so", "happy", e, "today"], "{e}");
    }
    assert_eq!(toks("fun:) yes!:D"), ["fun", ":)", "yes", "!", ":D"]);
    // Not emoticons: times, URLs, words after a colon, a bracketed aside.
    assert_eq!(
        toks("10:30 http://x.com :Decision (see this):"),
        [
            "10:30",
            "http://x.com",
            ":",
            "Decision",
            "(",
            "see",
            "this",
            ")",
            ":"
        ]
    );
    assert_eq!(toks("&lt; 3333"), ["&lt;", "3333"]);
}

#[test]
fn emoji_clusters() {
    let cases = [
        "\u{1F600}",
        "\u{1F44D}\u{1F3FD}",
        "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",
        "\u{1F1FA}\u{1F1F8}",
        "1\u{FE0F}\u{20E3}",
        "\u{2764}\u{FE0F}",
        "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
        "\u{1F469}\u{1F3FE}\u{200D}\u{1F4BB}",
    ];
    for e in cases {
        assert_eq!(kinds(e), [(e.to_string(), TokenKind::Emoji)], "{e}");
        let s = format!("love{e}{e}you");
        assert_eq!(toks(&s), ["love", e, e, "you"], "{e}");
    }
    // Two flags in a row are two tokens; a lone regional indicator is one.
    assert_eq!(toks("\u{1F1FA}\u{1F1F8}\u{1F1EC}\u{1F1E7}").len(), 2);
    assert_eq!(
        kinds("\u{1F1FA}"),
        [("\u{1F1FA}".to_string(), TokenKind::Emoji)]
    );
    // A text-default symbol is glued unless it asks for emoji style.
    assert_eq!(toks("Brand\u{2122}"), ["Brand\u{2122}"]);
}

#[test]
fn entities() {
    assert_eq!(
        kinds("me &amp; you &lt; &gt; &quot;hi&quot;"),
        [
            ("me".into(), TokenKind::Word),
            ("&amp;".into(), TokenKind::Entity),
            ("you".into(), TokenKind::Word),
            ("&lt;".into(), TokenKind::Entity),
            ("&gt;".into(), TokenKind::Entity),
            ("&quot;".into(), TokenKind::Entity),
            ("hi".into(), TokenKind::Word),
            ("&quot;".into(), TokenKind::Entity),
        ]
    );
    assert_eq!(toks("AT&amp;T Q&amp;A"), ["AT&amp;T", "Q&amp;A"]);
    assert_eq!(toks("wow.&quot; ok"), ["wow", ".&quot;", "ok"]);
    assert_eq!(kind_of("wow.&quot; ok", ".&quot;"), TokenKind::Punct);
    assert_eq!(toks("it&#39;s &#x1F600;"), ["it&#39;s", "&#x1F600;"]);
}

#[test]
fn abbreviations_and_brackets() {
    assert_eq!(
        toks("the U.S.A. and N.E.R.D. at 9 a.m."),
        ["the", "U.S.A.", "and", "N.E.R.D.", "at", "9", "a.m."]
    );
    assert_eq!(toks("Mr. Smith"), ["Mr", ".", "Smith"]);
    assert_eq!(
        toks("((yes)) [no] {x}"),
        ["((", "yes", "))", "[", "no", "]", "{", "x", "}"]
    );
    assert_eq!(toks("mix(cma center)"), ["mix(cma", "center", ")"]);
}

#[test]
fn offsets_and_other_chars() {
    let text = "héllo \u{0}\u{200B}wörld \u{0301}x";
    for t in tokenize(text) {
        assert_eq!(&text[t.start..t.end], t.text);
        let chars: String = text
            .chars()
            .skip(t.char_start)
            .take(t.char_end - t.char_start)
            .collect();
        assert_eq!(chars, t.text);
    }
    assert_eq!(kinds("\u{0}"), [("\u{0}".to_string(), TokenKind::Other)]);
    // A stray byte-order mark separates like a space and is no token: CoNLL could not
    // carry a token that starts with one (readers drop it at a line's start).
    assert_eq!(toks("a\u{FEFF}b \u{FEFF} c\u{FEFF}"), ["a", "b", "c"]);
    assert_eq!(count_tokens("\u{FEFF}\u{FEFF}"), 0);
    assert_eq!(toks("e\u{0301}t\u{0301}e"), ["e\u{0301}t\u{0301}e"]);
    assert!(tokenize("").is_empty());
    assert!(tokenize(" \t\n\u{3000}").is_empty());
}

#[test]
fn serde_uses_lowercase_kinds() {
    let t = &tokenize("#tag")[0];
    let json = serde_json::to_string(t).expect("serialize");
    assert!(json.contains("\"kind\":\"hashtag\""), "{json}");
    let back: Token = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(&back, t);
    let k: TokenKind = serde_json::from_str("\"emoticon\"").expect("kind");
    assert_eq!(k, TokenKind::Emoticon);
    for kind in [
        TokenKind::Word,
        TokenKind::Url,
        TokenKind::Entity,
        TokenKind::Other,
    ] {
        let json = serde_json::to_string(&kind).expect("serialize kind");
        assert_eq!(json, format!("\"{kind}\""));
    }
}
