//! How big a value that crosses the adapter boundary is, measured before it is lowered into an
//! adapter and after a result is lifted out.
//!
//! Lifted results live in host memory, outside the adapter's memory limit, so their size is
//! checked on the host: a result over the cap is dropped and refused rather than passed on. The
//! measure walks the value once through `serde` and stops as soon as a cap is passed: bytes of
//! strings and byte lists, 8 per number, and the length of every list.

use serde::ser::{self, Serialize};
use std::fmt;

/// Caps for one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeCaps {
    /// Total measured bytes.
    pub bytes: usize,
    /// Elements of any one list.
    pub list_len: usize,
}

/// Why a value is over its caps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// More than `SizeCaps::bytes`.
    #[error("more than {cap} bytes")]
    TooLarge {
        /// The cap.
        cap: usize,
    },
    /// A list longer than `SizeCaps::list_len`.
    #[error("a list of {len} elements, more than {cap}")]
    ListTooLong {
        /// Its length.
        len: usize,
        /// The cap.
        cap: usize,
    },
}

/// Measure `value` against `caps`; the measured size on success.
pub fn check<T: Serialize + ?Sized>(value: &T, caps: SizeCaps) -> Result<usize, SizeError> {
    let mut m = Measure { caps, bytes: 0 };
    match value.serialize(&mut m) {
        Ok(()) => Ok(m.bytes),
        Err(Stop(e)) => Err(e),
    }
}

struct Measure {
    caps: SizeCaps,
    bytes: usize,
}

/// The measure's "error": a cap was passed, stop walking.
#[derive(Debug)]
struct Stop(SizeError);

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        // Serializing plain data cannot fail; treat anything else as over the cap.
        Stop(SizeError::TooLarge { cap: 0 })
    }
}

impl Measure {
    fn add(&mut self, n: usize) -> Result<(), Stop> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.caps.bytes {
            return Err(Stop(SizeError::TooLarge {
                cap: self.caps.bytes,
            }));
        }
        Ok(())
    }

    fn list(&mut self, len: Option<usize>) -> Result<(), Stop> {
        if let Some(len) = len
            && len > self.caps.list_len
        {
            return Err(Stop(SizeError::ListTooLong {
                len,
                cap: self.caps.list_len,
            }));
        }
        self.add(8)
    }
}

macro_rules! scalar {
    ($($name:ident: $ty:ty),*) => {
        $(fn $name(self, _v: $ty) -> Result<(), Stop> { self.add(8) })*
    };
}

impl ser::Serializer for &mut Measure {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    scalar!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_f32: f32, serialize_f64: f64, serialize_char: char);

    fn serialize_str(self, v: &str) -> Result<(), Stop> {
        self.add(v.len() + 8)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Stop> {
        self.list(Some(v.len()))?;
        self.add(v.len())
    }
    fn serialize_none(self) -> Result<(), Stop> {
        self.add(1)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Stop> {
        self.add(1)?;
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Stop> {
        self.add(1)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Stop> {
        self.add(1)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Stop> {
        self.add(4)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Stop> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Result<(), Stop> {
        self.add(4)?;
        v.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self, Stop> {
        self.list(len)?;
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        self.add(4)?;
        Ok(self)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self, Stop> {
        self.list(len)?;
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        self.add(4)?;
        Ok(self)
    }
}

macro_rules! compound {
    ($($trait:ident :: $method:ident),*) => {
        $(impl ser::$trait for &mut Measure {
            type Ok = ();
            type Error = Stop;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Stop> {
                v.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Stop> {
                Ok(())
            }
        })*
    };
}

compound!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for &mut Measure {
    type Ok = ();
    type Error = Stop;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Stop> {
        k.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Stop> {
        v.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeStruct for &mut Measure {
    type Ok = ();
    type Error = Stop;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Stop> {
        v.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for &mut Measure {
    type Ok = ();
    type Error = Stop;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Stop> {
        v.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPS: SizeCaps = SizeCaps {
        bytes: 1_000,
        list_len: 10,
    };

    #[test]
    fn small_values_pass_and_report_their_size() {
        let n = check(&("hello", vec![1u32, 2, 3], Some(7u64)), CAPS).expect("small");
        assert!(n > 5 && n < 100, "{n}");
    }

    #[test]
    fn long_strings_and_long_lists_are_refused() {
        assert_eq!(
            check(&"x".repeat(2_000), CAPS),
            Err(SizeError::TooLarge { cap: 1_000 })
        );
        assert_eq!(
            check(&vec![0u8; 11], CAPS),
            Err(SizeError::ListTooLong { len: 11, cap: 10 })
        );
        let nested = vec![vec!["y".repeat(90); 10]; 2];
        assert!(matches!(
            check(&nested, CAPS),
            Err(SizeError::TooLarge { .. })
        ));
    }
}
