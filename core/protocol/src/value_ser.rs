//! A strict serde `Serializer` into [`serde_json::Value`] for canonical JSON.
//!
//! `serde_json::to_value` silently turns NaN and infinities into `null`; in a signing
//! path a value must never change meaning on the way to its canonical form, so this
//! serializer rejects them — and every float and every out-of-range integer — instead.
//! Otherwise it produces the same values as `serde_json::to_value`.

use serde::Serialize;
use serde::ser::{self, Impossible};
use serde_json::{Map, Number, Value};

use crate::canonical::{CanonicalError, MAX_SAFE_INTEGER};

impl ser::Error for CanonicalError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        CanonicalError::Serialize(msg.to_string())
    }
}

/// Serialises `v` into a JSON value, rejecting numbers that have no exact canonical form.
pub(crate) fn to_value<T: Serialize + ?Sized>(v: &T) -> Result<Value, CanonicalError> {
    v.serialize(ValueSerializer)
}

fn int_i128(v: i128) -> Result<Value, CanonicalError> {
    if v.unsigned_abs() > u128::from(MAX_SAFE_INTEGER) {
        return Err(CanonicalError::IntegerOutOfRange(v.to_string()));
    }
    // In range of ±(2^53 - 1), so it fits in an i64.
    i64::try_from(v)
        .map(|i| Value::Number(Number::from(i)))
        .map_err(|_| CanonicalError::IntegerOutOfRange(v.to_string()))
}

/// Floats are never part of a canonical document, whatever their value.
fn float(v: f64) -> Result<Value, CanonicalError> {
    Err(CanonicalError::NonInteger(v.to_string()))
}

struct ValueSerializer;

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = CanonicalError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = VariantSeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = VariantMapBuilder;

    fn serialize_bool(self, v: bool) -> Result<Value, CanonicalError> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, CanonicalError> {
        int_i128(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Value, CanonicalError> {
        int_i128(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Value, CanonicalError> {
        int_i128(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Value, CanonicalError> {
        int_i128(v.into())
    }
    fn serialize_i128(self, v: i128) -> Result<Value, CanonicalError> {
        int_i128(v)
    }
    fn serialize_u8(self, v: u8) -> Result<Value, CanonicalError> {
        int_i128(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Value, CanonicalError> {
        int_i128(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Value, CanonicalError> {
        int_i128(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<Value, CanonicalError> {
        int_i128(v.into())
    }
    fn serialize_u128(self, v: u128) -> Result<Value, CanonicalError> {
        let i = i128::try_from(v).map_err(|_| CanonicalError::IntegerOutOfRange(v.to_string()))?;
        int_i128(i)
    }
    fn serialize_f32(self, v: f32) -> Result<Value, CanonicalError> {
        float(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<Value, CanonicalError> {
        float(v)
    }
    fn serialize_char(self, v: char) -> Result<Value, CanonicalError> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, CanonicalError> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, CanonicalError> {
        Ok(Value::Array(
            v.iter().map(|b| Value::Number((*b).into())).collect(),
        ))
    }
    fn serialize_none(self) -> Result<Value, CanonicalError> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Value, CanonicalError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, CanonicalError> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, CanonicalError> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, CanonicalError> {
        Ok(Value::String(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        v: &T,
    ) -> Result<Value, CanonicalError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Value, CanonicalError> {
        let mut m = Map::new();
        m.insert(variant.to_string(), to_value(v)?);
        Ok(Value::Object(m))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, CanonicalError> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0).min(1024))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, CanonicalError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, CanonicalError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSeqBuilder, CanonicalError> {
        Ok(VariantSeqBuilder(variant, self.serialize_seq(Some(len))?))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapBuilder, CanonicalError> {
        Ok(MapBuilder(Map::new(), None))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<MapBuilder, CanonicalError> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<VariantMapBuilder, CanonicalError> {
        Ok(VariantMapBuilder(variant, Map::new()))
    }
}

struct SeqBuilder(Vec<Value>);

impl SeqBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), CanonicalError> {
        self.0.push(to_value(v)?);
        Ok(())
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Value;
    type Error = CanonicalError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), CanonicalError> {
        self.push(v)
    }
    fn end(self) -> Result<Value, CanonicalError> {
        Ok(Value::Array(self.0))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Value;
    type Error = CanonicalError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), CanonicalError> {
        self.push(v)
    }
    fn end(self) -> Result<Value, CanonicalError> {
        Ok(Value::Array(self.0))
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Value;
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), CanonicalError> {
        self.push(v)
    }
    fn end(self) -> Result<Value, CanonicalError> {
        Ok(Value::Array(self.0))
    }
}

struct VariantSeqBuilder(&'static str, SeqBuilder);

impl ser::SerializeTupleVariant for VariantSeqBuilder {
    type Ok = Value;
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), CanonicalError> {
        self.1.push(v)
    }
    fn end(self) -> Result<Value, CanonicalError> {
        let mut m = Map::new();
        m.insert(self.0.to_string(), Value::Array(self.1.0));
        Ok(Value::Object(m))
    }
}

struct MapBuilder(Map<String, Value>, Option<String>);

/// Map keys must be strings; like `serde_json`, integer and char keys become strings.
fn key_string<T: Serialize + ?Sized>(k: &T) -> Result<String, CanonicalError> {
    k.serialize(KeySerializer)
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Value;
    type Error = CanonicalError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), CanonicalError> {
        self.1 = Some(key_string(k)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), CanonicalError> {
        let k = self
            .1
            .take()
            .ok_or_else(|| CanonicalError::Serialize("map value without a key".into()))?;
        self.0.insert(k, to_value(v)?);
        Ok(())
    }
    fn end(self) -> Result<Value, CanonicalError> {
        Ok(Value::Object(self.0))
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Value;
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), CanonicalError> {
        self.0.insert(key.to_string(), to_value(v)?);
        Ok(())
    }
    fn end(self) -> Result<Value, CanonicalError> {
        Ok(Value::Object(self.0))
    }
}

struct VariantMapBuilder(&'static str, Map<String, Value>);

impl ser::SerializeStructVariant for VariantMapBuilder {
    type Ok = Value;
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), CanonicalError> {
        self.1.insert(key.to_string(), to_value(v)?);
        Ok(())
    }
    fn end(self) -> Result<Value, CanonicalError> {
        let mut m = Map::new();
        m.insert(self.0.to_string(), Value::Object(self.1));
        Ok(Value::Object(m))
    }
}

/// Serialises a map key to a string: strings, chars, unit variants and integers only.
struct KeySerializer;

fn key_error() -> CanonicalError {
    CanonicalError::Serialize("map keys must be strings or integers".into())
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = CanonicalError;
    type SerializeSeq = Impossible<String, CanonicalError>;
    type SerializeTuple = Impossible<String, CanonicalError>;
    type SerializeTupleStruct = Impossible<String, CanonicalError>;
    type SerializeTupleVariant = Impossible<String, CanonicalError>;
    type SerializeMap = Impossible<String, CanonicalError>;
    type SerializeStruct = Impossible<String, CanonicalError>;
    type SerializeStructVariant = Impossible<String, CanonicalError>;

    fn serialize_bool(self, _v: bool) -> Result<String, CanonicalError> {
        Err(key_error())
    }
    fn serialize_i8(self, v: i8) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, _v: f32) -> Result<String, CanonicalError> {
        Err(key_error())
    }
    fn serialize_f64(self, _v: f64) -> Result<String, CanonicalError> {
        Err(key_error())
    }
    fn serialize_char(self, v: char) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, CanonicalError> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<String, CanonicalError> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result<String, CanonicalError> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Result<String, CanonicalError> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, CanonicalError> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, CanonicalError> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        v: &T,
    ) -> Result<String, CanonicalError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _v: &T,
    ) -> Result<String, CanonicalError> {
        Err(key_error())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, CanonicalError> {
        Err(key_error())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, CanonicalError> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, CanonicalError> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, CanonicalError> {
        Err(key_error())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, CanonicalError> {
        Err(key_error())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, CanonicalError> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, CanonicalError> {
        Err(key_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    enum E {
        Unit,
        New(u8),
        Tup(u8, bool),
        Rec { a: Option<u8> },
    }

    #[derive(Serialize)]
    struct Nt(u16);

    #[derive(Serialize)]
    struct All {
        s: &'static str,
        c: char,
        b: bool,
        i: i32,
        u: u64,
        o: Option<u8>,
        n: Nt,
        v: Vec<E>,
        t: (u8, &'static str),
        unit: (),
        m: BTreeMap<u32, bool>,
    }

    #[test]
    fn same_values_as_serde_json() {
        let all = All {
            s: "x",
            c: 'é',
            b: true,
            i: -3,
            u: 7,
            o: None,
            n: Nt(9),
            v: vec![E::Unit, E::New(1), E::Tup(2, false), E::Rec { a: Some(3) }],
            t: (4, "y"),
            unit: (),
            m: [(10, true), (2, false)].into_iter().collect(),
        };
        assert_eq!(to_value(&all).unwrap(), serde_json::to_value(&all).unwrap());
        assert_eq!(
            to_value(&all).unwrap()["v"],
            json!(["Unit", {"New": 1}, {"Tup": [2, false]}, {"Rec": {"a": 3}}])
        );
    }

    #[test]
    fn rejects_what_serde_json_would_turn_into_null() {
        for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(serde_json::to_value(f).unwrap(), Value::Null);
            assert!(matches!(to_value(&f), Err(CanonicalError::NonInteger(_))));
        }
        assert!(matches!(
            to_value(&0.5f32),
            Err(CanonicalError::NonInteger(_))
        ));
        assert!(matches!(
            to_value(&(1u64 << 53)),
            Err(CanonicalError::IntegerOutOfRange(_))
        ));
        assert!(matches!(
            to_value(&i128::MIN),
            Err(CanonicalError::IntegerOutOfRange(_))
        ));
        assert!(matches!(
            to_value(&u128::MAX),
            Err(CanonicalError::IntegerOutOfRange(_))
        ));
        let mut m = BTreeMap::new();
        m.insert(vec![1u8], 1u8);
        assert_eq!(to_value(&m).unwrap_err().code(), "canonical_serialize");
    }
}
