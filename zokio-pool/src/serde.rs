//! `Serialize` and `Deserialize` for [`PoolBox`] and `PoolArc`, with the cargo feature `serde`: a box
//! serializes as its value, and deserializes by building the value and moving it into a slot.

use serde::de::{Deserialize, Deserializer, Error as _};
use serde::ser::{Serialize, Serializer};

use crate::boxed::PoolBox;
use crate::pool::Pool;

/// As the value.
impl<T: Serialize, P: Pool<Item = T>> Serialize for PoolBox<T, P> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

/// The value, in a slot of pool `P`; an error if the pool is at its `max`.
///
/// ```
/// use zokio_pool::{PoolBox, Pooled};
///
/// #[derive(Pooled, serde::Deserialize)]
/// struct Point { x: i32, y: i32 }
///
/// let p: PoolBox<Point> = serde_json::from_str(r#"{"x": 1, "y": 2}"#).unwrap();
/// assert_eq!((p.x, p.y), (1, 2));
/// ```
impl<'de, T: Deserialize<'de>, P: Pool<Item = T>> Deserialize<'de> for PoolBox<T, P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = T::deserialize(deserializer)?;
        PoolBox::try_new_in_pool(value).map_err(|_| {
            D::Error::custom(format_args!(
                "the pool of `{}` is at its limit of {} objects",
                core::any::type_name::<T>(),
                P::__CONFIG.max
            ))
        })
    }
}

/// As the value.
impl<T: Serialize, P: Pool<Item = T>> Serialize for crate::PoolArc<T, P> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

/// The value, in a counted slot of pool `P`'s counted pool (which has no `max`).
impl<'de, T: Deserialize<'de>, P: Pool<Item = T>> Deserialize<'de> for crate::PoolArc<T, P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(crate::PoolArc::from_value)
    }
}
