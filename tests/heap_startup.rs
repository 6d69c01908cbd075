//! Start-up cost: a program that derives `Pooled` on 100 types and uses one maps at most one
//! segment (2 MiB of address space, of which it touches one chunk) and lists one pool. A file of its own, so that
//! no other pool of the test binary maps memory.

use zokio_pool::{heap_stats, pools, PoolBox, Pooled, CHECKING_MODE};

macro_rules! types {
    ($($name:ident)*) => {
        $(
            #[derive(Pooled)]
            #[allow(dead_code, reason = "only the first type is ever used")]
            struct $name(u64, [u8; 56]);
        )*
    };
}

types! {
    T00 T01 T02 T03 T04 T05 T06 T07 T08 T09 T10 T11 T12 T13 T14 T15 T16 T17 T18 T19
    T20 T21 T22 T23 T24 T25 T26 T27 T28 T29 T30 T31 T32 T33 T34 T35 T36 T37 T38 T39
    T40 T41 T42 T43 T44 T45 T46 T47 T48 T49 T50 T51 T52 T53 T54 T55 T56 T57 T58 T59
    T60 T61 T62 T63 T64 T65 T66 T67 T68 T69 T70 T71 T72 T73 T74 T75 T76 T77 T78 T79
    T80 T81 T82 T83 T84 T85 T86 T87 T88 T89 T90 T91 T92 T93 T94 T95 T96 T97 T98 T99
}

#[test]
fn deriving_on_100_types_and_using_one_maps_at_most_one_segment_and_lists_one_pool() {
    assert!(pools().is_empty(), "no pool is listed before first use");
    assert_eq!(
        heap_stats().mapped_bytes,
        0,
        "nothing is mapped before first use"
    );
    let boxes: Vec<_> = (0..100).map(|i| PoolBox::new(T00(i, [0; 56]))).collect();
    let s = heap_stats();
    if CHECKING_MODE {
        assert_eq!(s.mapped_bytes, 0, "checking mode uses no chunks");
    } else {
        assert_eq!(s.mapped_bytes, 2 << 20, "one segment: {s:?}");
        // The chunk, a page of magazine arrays and the segment's three pages of descriptors.
        let chunk = T00::pool_stats().reserved_bytes;
        assert_eq!(
            s.mapped_bytes - s.free_bytes,
            chunk.div_ceil(4096) * 4096 + 4096 + 3 * 4096
        );
    }
    let listed = pools();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].name, std::any::type_name::<T00>());
    assert_eq!(listed[0].stats.live, 100);
    assert_eq!(boxes[99].0, 99);
}
