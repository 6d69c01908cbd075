//! No name a user can pick collides with a name of the expansions: every single-letter name
//! (and the names the runtime's macro uses inside its functions) works as a pool, as an item
//! type and as a field, in `pool!` and in the derive, plain and recycling.
#![allow(
    non_camel_case_types,
    non_snake_case,
    dead_code,
    clippy::upper_case_acronyms
)]

use zokio_pool::{PoolBox, Pooled};

macro_rules! every_name {
    ($($name:ident)*) => {
        $(
            mod $name {
                use zokio_pool::Pooled;

                /// The name as a pool.
                pub mod pool {
                    zokio_pool::pool!(pub $name: u8, max = 4);
                }

                /// The name as a derived type with a field of the same name, and as the item
                /// of named pools (one of them named after it too).
                pub mod item {
                    use super::Pooled;

                    #[derive(Pooled, Default, Debug, PartialEq)]
                    #[pool(recycle, max_idle = 4)]
                    pub struct $name {
                        pub $name: u8,
                    }

                    zokio_pool::pool!(pub Plain: $name);
                    zokio_pool::pool!(pub Kept: $name, recycle);
                    pub mod same {
                        zokio_pool::pool!(pub $name: super::$name);
                    }
                }

                pub fn check() {
                    let a = pool::$name::new(7);
                    let b = pool::$name::new_with(|| 8);
                    assert_eq!(*a + *b, 15);
                    let c = pool::$name::try_new_with(|| 9).ok().unwrap();
                    assert_eq!(*c, 9);

                    let mut d = zokio_pool::PoolBox::<item::$name>::take();
                    d.$name = 3;
                    drop(d);
                    let d = zokio_pool::PoolBox::<item::$name>::take();
                    assert_eq!(d.$name, 0, "reset field by field");
                    let e = item::Plain::new_with(|| item::$name { $name: 4 });
                    let f = item::Kept::take();
                    let g = item::same::$name::new(item::$name { $name: 5 });
                    assert_eq!((e.$name, f.$name, g.$name), (4, 0, 5));
                    assert_eq!(item::$name::pool_stats().live, 1);
                }
            }
        )*

        // What this checks is that the expansions compile; running 72 pools under Miri (about
        // two minutes a pass) adds nothing the other Miri tests do not cover.
        #[cfg_attr(miri, ignore)]
        #[test]
        fn every_single_letter_name_works_as_a_pool_an_item_and_a_field() {
            $( $name::check(); )*
        }
    };
}

every_name!(
    A B C D E F G H I J K L M N O P Q R S T U V W X Y Z
    a b c d e f g h i j k l m n o p q r s t u v w x y z
    CACHE DEPOT CONFIG Pool Item Config Depot LocalCache Recycler Options
);

// The derive on types named like the runtime's own items, at the crate root.
#[derive(Pooled)]
struct PoolBoxed(u8);

#[test]
fn a_type_named_like_a_runtime_item_is_pooled() {
    let b = PoolBox::new(PoolBoxed(1));
    assert_eq!(b.0, 1);
}
