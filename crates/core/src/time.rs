//! Unix time to and from RFC 3339 (and HTTP dates), without a clock or a date library.

/// Formats Unix seconds (UTC) as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn unix_to_rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        (second_of_day % 3600) / 60,
        second_of_day % 60
    )
}

/// Reads an RFC 3339 timestamp (`2024-09-24T18:37:24.100435Z`, `…+02:00`) as Unix milliseconds.
pub fn rfc3339_to_unix_millis(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = text.split_at_checked(10)?;
    let mut date_parts = date.split('-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: u32 = date_parts.next()?.parse().ok()?;
    let day: u32 = date_parts.next()?.parse().ok()?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, offset_seconds) = split_offset(rest)?;
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut clock_parts = hms.split(':');
    let hour: i64 = clock_parts.next()?.parse().ok()?;
    let minute: i64 = clock_parts.next()?.parse().ok()?;
    let second: i64 = clock_parts.next()?.parse().ok()?;
    if clock_parts.next().is_some() || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let millis: i64 = format!("{fraction:0<3}")[..3].parse().ok()?;
    let seconds = checked_civil_seconds(year, month, day, hour, minute, second)? - offset_seconds;
    Some(seconds * 1000 + millis)
}

/// Splits `HH:MM:SS[.fff]` from its zone (`Z` or `±HH:MM`), giving the zone's offset in seconds.
fn split_offset(text: &str) -> Option<(&str, i64)> {
    if let Some(clock) = text.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    let position = text.rfind(['+', '-'])?;
    let (clock, zone) = text.split_at(position);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let (hours, minutes) = zone[1..].split_once(':')?;
    Some((clock, sign * (hours.parse::<i64>().ok()? * 3600 + minutes.parse::<i64>().ok()? * 60)))
}

/// Reads an HTTP date in the preferred form (IMF-fixdate, RFC 9110 §5.6.7:
/// `Sun, 06 Nov 1994 08:49:37 GMT`) as Unix milliseconds. The obsolete forms are not read.
pub fn http_date_to_unix_millis(text: &str) -> Option<i64> {
    let mut parts = text.split_whitespace();
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day: u32 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|name| name.eq_ignore_ascii_case(month_name))? as u32
        + 1;
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':');
    let hour: i64 = clock.next()?.parse().ok()?;
    let minute: i64 = clock.next()?.parse().ok()?;
    let second: i64 = clock.next()?.parse().ok()?;
    if parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    Some(checked_civil_seconds(year, month, day, hour, minute, second)? * 1000)
}

fn checked_civil_seconds(year: i64, month: u32, day: u32, hour: i64, minute: i64, second: i64) -> Option<i64> {
    // A leap second (60) is read as the next second.
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..=60).contains(&second);
    valid.then(|| days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

// Howard Hinnant's civil-to-days algorithm, the inverse of `civil_from_days`.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(unix_to_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(unix_to_rfc3339(1_711_471_533), "2024-03-26T16:45:33Z");
        assert_eq!(unix_to_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn reads_rfc3339_with_fractions_and_offsets() {
        assert_eq!(rfc3339_to_unix_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339_to_unix_millis("2024-03-26T16:45:33Z"), Some(1_711_471_533_000));
        assert_eq!(rfc3339_to_unix_millis("2024-09-24T18:37:24.100435Z"), Some(1_727_203_044_100));
        assert_eq!(rfc3339_to_unix_millis("2024-03-26T18:45:33+02:00"), Some(1_711_471_533_000));
        assert_eq!(rfc3339_to_unix_millis("2000-02-29T00:00:00.5-00:30"), Some(951_784_200_500));
        for seconds in [0, 951_782_400, 1_711_471_533, 4_102_444_800] {
            assert_eq!(rfc3339_to_unix_millis(&unix_to_rfc3339(seconds)), Some(seconds * 1000));
        }
        for bad in ["", "2024-03-26", "2024-13-01T00:00:00Z", "2024-03-26T16:45Z", "yesterday"] {
            assert_eq!(rfc3339_to_unix_millis(bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_http_dates() {
        assert_eq!(http_date_to_unix_millis("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777_000));
        assert_eq!(http_date_to_unix_millis("Tue, 26 Mar 2024 16:45:33 GMT"), Some(1_711_471_533_000));
        for bad in ["120", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 CET", ""] {
            assert_eq!(http_date_to_unix_millis(bad), None, "{bad}");
        }
    }
}
