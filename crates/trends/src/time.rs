//! Tweet timestamps as milliseconds since the Unix epoch.
//!
//! Exports carry time in several shapes: ISO 8601 (`2013-04-15T18:50:00Z`,
//! with a fraction or an offset), Twitter's v1.1 `created_at`
//! (`Mon Apr 15 18:50:00 +0000 2013`), or epoch numbers in seconds or
//! milliseconds. All are read here, so `tweetner trends --time-field` works
//! on whatever a dump holds; anything else is an error naming what was seen.

use serde_json::Value;

/// Epoch numbers below this are seconds, above it milliseconds (1e11 s is
/// the year 5138; 1e11 ms is 1973).
const SECONDS_LIMIT: f64 = 1e11;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The time a JSON value holds, in ms since the epoch.
///
/// # Errors
/// The value is not a number or a string in one of the accepted shapes.
pub fn parse_time(v: &Value) -> Result<i64, String> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("{n} is not a usable number"))
            .and_then(epoch),
        Value::String(s) => parse_time_str(s),
        other => Err(format!("expected a timestamp, found {other}")),
    }
}

/// [`parse_time`] of a string.
///
/// # Errors
/// See [`parse_time`].
pub fn parse_time_str(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<f64>() {
        return epoch(n);
    }
    let bad =
        || format!("{s:?} is not ISO 8601, Twitter's created_at or epoch seconds/milliseconds");
    if t.as_bytes().get(4) == Some(&b'-') {
        iso(t).ok_or_else(bad)
    } else {
        twitter(t).ok_or_else(bad)
    }
}

fn epoch(n: f64) -> Result<i64, String> {
    if !n.is_finite() || n.abs() > 1e15 {
        return Err(format!("{n} is outside the range of timestamps"));
    }
    Ok(if n.abs() < SECONDS_LIMIT {
        (n * 1000.0).round() as i64
    } else {
        n.round() as i64
    })
}

/// Days from 1970-01-01 to a proleptic Gregorian date (eras of 400 years).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Milliseconds of a UTC date and time, `None` when a field is out of range.
fn to_ms(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> Option<i64> {
    let ok = (1..=12).contains(&mo)
        && (1..=days_in_month(y, mo)).contains(&d)
        && h < 24
        && mi < 60
        && s < 61;
    ok.then(|| {
        let secs = days_from_civil(y, mo, d) * 86_400
            + i64::from(h) * 3600
            + i64::from(mi) * 60
            + i64::from(s);
        secs * 1000 + i64::from(ms)
    })
}

fn num(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `+HH:MM`, `+HHMM`, `+HH` or `Z` as signed minutes east of UTC.
fn offset_minutes(z: &str) -> Option<i64> {
    if z == "Z" || z == "z" {
        return Some(0);
    }
    let sign = match z.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = z[1..].chars().filter(|c| *c != ':').collect();
    let (h, m) = match digits.len() {
        2 => (num(&digits)?, 0),
        4 => (num(&digits[..2])?, num(&digits[2..])?),
        _ => return None,
    };
    (h < 24 && m < 60).then(|| sign * i64::from(h * 60 + m))
}

/// `YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|±HH:MM]`; no offset means UTC.
fn iso(t: &str) -> Option<i64> {
    let (date, rest) = t.split_at(t.len().min(10));
    let mut dp = date.split('-');
    let (y, mo, d) = (num(dp.next()?)?, num(dp.next()?)?, num(dp.next()?)?);
    if date.len() != 10 || dp.next().is_some() {
        return None;
    }
    let rest = rest.strip_prefix(['T', 't', ' ']).unwrap_or(rest);
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let offset = if zone.is_empty() {
        0
    } else {
        offset_minutes(zone)?
    };
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    // A date alone is its midnight.
    let mut parts = hms.split(':').filter(|p| !hms.is_empty() || !p.is_empty());
    let mut field = || parts.next().map_or(Some(0), num);
    let (h, mi, s) = (field()?, field()?, field()?);
    if parts.next().is_some() {
        return None;
    }
    let ms = if frac.is_empty() {
        0
    } else {
        let f: String = frac.chars().chain("000".chars()).take(3).collect();
        num(&f)?
    };
    Some(to_ms(i64::from(y), mo, d, h, mi, s, ms)? - offset * 60_000)
}

/// `Mon Apr 15 18:50:00 +0000 2013` (Twitter API v1.1).
fn twitter(t: &str) -> Option<i64> {
    let f: Vec<&str> = t.split_whitespace().collect();
    let [_, month, day, clock, zone, year] = f.as_slice() else {
        return None;
    };
    let mo = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as u32 + 1;
    let mut c = clock.split(':');
    let (h, mi, s) = (num(c.next()?)?, num(c.next()?)?, num(c.next()?)?);
    let offset = offset_minutes(zone)?;
    Some(to_ms(i64::from(num(year)?), mo, num(day)?, h, mi, s, 0)? - offset * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// 2013-04-15T18:50:00Z, the Boston Marathon bombing.
    const BOSTON: i64 = 1_366_051_800_000;

    #[test]
    fn every_accepted_shape_gives_the_same_instant() {
        for v in [
            json!("2013-04-15T18:50:00Z"),
            json!("2013-04-15T18:50:00.000Z"),
            json!("2013-04-15 18:50:00"),
            json!("2013-04-15T14:50:00-04:00"),
            json!("2013-04-15T20:50:00+0200"),
            json!("Mon Apr 15 18:50:00 +0000 2013"),
            json!("Mon Apr 15 14:50:00 -0400 2013"),
            json!(1_366_051_800),
            json!(1_366_051_800_000_i64),
            json!("1366051800"),
            json!(1_366_051_800.0),
        ] {
            assert_eq!(parse_time(&v), Ok(BOSTON), "{v}");
        }
        assert_eq!(parse_time_str("2013-04-15T18:50:00.25Z"), Ok(BOSTON + 250));
        assert_eq!(parse_time_str("2013-04-15"), Ok(BOSTON - 67_800_000));
    }

    #[test]
    fn calendar_arithmetic_matches_known_dates() {
        assert_eq!(parse_time_str("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_time_str("2000-02-29T00:00:00Z"), Ok(951_782_400_000));
        assert_eq!(parse_time_str("1969-12-31T23:59:59Z"), Ok(-1000));
    }

    #[test]
    fn malformed_times_are_errors_naming_the_value() {
        for s in [
            "yesterday",
            "2013-02-30T00:00:00Z",
            "2013-13-01",
            "2013-04-15T25:00:00Z",
            "2013-04-15T18:50:00+99:00",
            "Mon Foo 15 18:50:00 +0000 2013",
            "",
        ] {
            let e = parse_time_str(s).expect_err(s);
            assert!(e.contains(&format!("{s:?}")) || s.is_empty(), "{e}");
        }
        assert!(parse_time(&json!(null)).is_err());
        assert!(parse_time(&json!(1e300)).is_err());
        assert!(parse_time(&json!(true)).is_err());
    }
}
