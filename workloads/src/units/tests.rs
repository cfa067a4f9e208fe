use super::*;
use std::time::Duration;

#[test]
fn ttl_text_and_numbers_share_one_range() {
    assert_eq!(
        "90".parse::<Ttl>().unwrap().get(),
        Some(Duration::from_secs(90))
    );
    assert_eq!("24h".parse::<Ttl>(), Ok(Ttl::DEFAULT));
    assert_eq!("never".parse::<Ttl>(), Ok(Ttl::NEVER));
    assert_eq!("1ms".parse::<Ttl>().unwrap().secs(), Some(0.001));
    for bad in ["0", "-3", "999us", "400days", "NaN"] {
        let text = bad.parse::<Ttl>().unwrap_err();
        if let Ok(secs) = bad.parse::<f64>() {
            assert_eq!(Ttl::from_secs(secs).unwrap_err(), text, "{bad}");
        }
    }
    assert!("-3".parse::<Ttl>().unwrap_err().0.contains("negative"));
    let word = "forever".parse::<Ttl>().unwrap_err().0;
    assert!(word.contains("forever") && word.contains("never"), "{word}");
}

#[test]
fn budgets_take_units_and_refuse_zero() {
    assert_eq!("1GiB".parse::<ByteBudget>().unwrap().get(), Some(1 << 30));
    assert_eq!(
        "64 MB".parse::<ByteBudget>().unwrap().get(),
        Some(64_000_000)
    );
    assert_eq!("1_000".parse::<ByteBudget>().unwrap().get(), Some(1000));
    assert_eq!("none".parse::<ByteBudget>(), Ok(ByteBudget::UNBOUNDED));
    assert_eq!(
        "0".parse::<ByteBudget>().unwrap_err(),
        ByteBudget::from_bytes(0).unwrap_err()
    );
    assert!(
        "-3".parse::<ByteBudget>()
            .unwrap_err()
            .0
            .contains("negative")
    );
    assert!(
        "12 parsecs"
            .parse::<ByteBudget>()
            .unwrap_err()
            .0
            .contains("unit")
    );
    assert!("2TiB".parse::<ByteBudget>().is_err());
}

#[test]
fn entry_bounds_refuse_units_and_zero() {
    assert_eq!("1000".parse::<EntryBound>().unwrap().get(), Some(1000));
    assert_eq!("unbounded".parse::<EntryBound>(), Ok(EntryBound::UNBOUNDED));
    let unit = "5GiB".parse::<EntryBound>().unwrap_err().0;
    assert!(unit.contains("no unit"), "{unit}");
    assert_eq!(
        "0".parse::<EntryBound>().unwrap_err(),
        EntryBound::from_count(0).unwrap_err()
    );
    assert!("-5".parse::<EntryBound>().is_err());
    assert!(EntryBound::from_count(MAX_ENTRIES_LIMIT + 1).is_err());
}

#[test]
fn costs_allow_zero_up_to_one_year() {
    assert_eq!("0".parse::<HitCost>().unwrap().secs(), 0.0);
    assert_eq!("50ms".parse::<HitCost>(), Ok(HitCost::DEFAULT));
    assert_eq!("365days".parse::<HitCost>().unwrap().secs(), MAX_COST_S);
    assert!(
        "1e12"
            .parse::<HitCost>()
            .unwrap_err()
            .0
            .contains("one year")
    );
    assert!("-0.5".parse::<Cost>().unwrap_err().0.contains("negative"));
    assert!(Cost::from_secs(f64::INFINITY).is_err());
    assert_eq!(Cost::DEFAULT.secs(), 124.6);
}

#[test]
fn sizes_workers_and_time_scales() {
    assert_eq!("256KiB".parse::<Size>(), Ok(Size::DEFAULT));
    assert!("0".parse::<Size>().is_err());
    assert_eq!("4".parse::<Workers>().unwrap().get(), 4);
    for bad in ["0", "-1"] {
        assert!(
            bad.parse::<Workers>().unwrap_err().0.contains("at least 1"),
            "{bad}"
        );
    }
    assert!("two".parse::<Workers>().is_err());
    assert_eq!("0.001".parse::<TimeScale>(), Ok(TimeScale::DEFAULT));
    assert!("0".parse::<TimeScale>().is_err());
    assert!(TimeScale::new(1e-9).is_err());
}

#[test]
fn display_round_trips_through_the_parser() {
    assert_eq!(Ttl::DEFAULT.to_string().parse::<Ttl>(), Ok(Ttl::DEFAULT));
    assert_eq!(Ttl::NEVER.to_string().parse::<Ttl>(), Ok(Ttl::NEVER));
    let budget = ByteBudget::SERVE_DEFAULT;
    assert_eq!(budget.to_string().parse::<ByteBudget>(), Ok(budget));
    assert_eq!(
        HitCost::DEFAULT.to_string().parse::<HitCost>(),
        Ok(HitCost::DEFAULT)
    );
    assert_eq!(Size::DEFAULT.to_string().parse::<Size>(), Ok(Size::DEFAULT));
}

#[test]
fn warmup_is_a_count_or_a_percentage_of_the_trace() {
    assert_eq!("0".parse::<Warmup>(), Ok(Warmup::NONE));
    assert_eq!("1_000".parse::<Warmup>(), Ok(Warmup::Requests(1000)));
    assert_eq!("10%".parse::<Warmup>().unwrap().requests_of(20_000), 2_000);
    assert_eq!("100%".parse::<Warmup>().unwrap().requests_of(7), 7);
    assert_eq!("0%".parse::<Warmup>().unwrap().requests_of(7), 0);
    // Rounds down: a third of 10 requests is 3.
    assert_eq!("33.3333%".parse::<Warmup>().unwrap().requests_of(10), 3);
    assert!("0%".parse::<Warmup>().unwrap().is_none());
    let over = "120%".parse::<Warmup>().unwrap_err().0;
    assert!(over.contains("120%") && over.contains("0 to 100"), "{over}");
    let negative = "-3".parse::<Warmup>().unwrap_err().0;
    assert!(negative.contains("negative"), "{negative}");
    let negative_pct = "-3%".parse::<Warmup>().unwrap_err().0;
    assert!(negative_pct.contains("negative"), "{negative_pct}");
    let word = "abc".parse::<Warmup>().unwrap_err().0;
    assert!(word.contains("abc") && word.contains("warm-up"), "{word}");
    assert!("NaN%".parse::<Warmup>().is_err());
    assert!("5 MiB".parse::<Warmup>().is_err());
    assert_eq!(Warmup::from_percent(12.5).unwrap().to_string(), "12.5%");
}
