//! How a chunk of decoded results crosses to JavaScript without being written as JSON and parsed
//! again. The results are serialized (with their own `Serialize` impls, so keys, key order and
//! skipped fields are exactly serde_json's) into a flat tape that JavaScript walks to build the
//! objects directly (`npm/src/result-tape.ts`):
//!
//! - `tape`: `u32` words; each value starts with a tag ([`Tag`]) and its operands.
//! - `numbers`: every number as an `f64`, in tape order (as `JSON.parse` would read serde_json's
//!   text: integers rounded to the nearest double, non-finite floats as `null`).
//! - `strings`: every string of the chunk as UTF-8, one after the other, in segments of a few
//!   results (`segments`: pairs of the first result's index and the segment's byte start);
//!   JavaScript decodes each segment once and takes each string as a slice, so the tape gives
//!   UTF-16 offsets in the segment. Segments stay small so that the decoded text the slices keep
//!   alive is a young object, freed as soon as its results are, not a large one that waits for a
//!   full collection. A long string equal to the last long one (a response's `text` and its single
//!   text part) is not repeated.
//! - `raws`: every `raw` body (a `RawValue`) as UTF-8 bytes; JavaScript decodes and parses one only
//!   when it is read, so a body nobody reads is neither decoded nor parsed. A body that lies in the
//!   download's read the chunk was decoded from ([`Tape::read_from`]) is not copied: the tape gives
//!   its range in that read, which JavaScript still holds as the array the stream handed over.
//! - `keys`: field names (and the names of unit variants, such as a status) are sent once per
//!   stream; the tape names them by index, and a chunk carries the names first used in it.
//! - `shapes`: a struct is written as its shape and its values, without its field names. A shape
//!   is a node of a tree, as V8's hidden classes are: shape 0 has no field, and each other shape is
//!   its parent with one field more. A chunk carries the shapes first used in it, as pairs of the
//!   parent and the new field's name index, so JavaScript knows a struct's keys before it builds
//!   the object, and builds the common ones with object literals of a fixed shape.

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::{BuildHasherDefault, Hasher};

use batch_router_core::byte_scan::is_ascii;
use serde::ser::{self, Serialize};

/// What a tape word starts. The numbers are shared with `npm/src/result-tape.ts`.
#[derive(Clone, Copy)]
#[repr(u32)]
pub enum Tag {
    Null = 0,
    False = 1,
    True = 2,
    /// The next number of `numbers`.
    Number = 3,
    /// A string: UTF-16 start and end in the decoded `strings`.
    String = 4,
    /// An array: its values, then [`Tag::End`].
    Array = 5,
    /// An object: key and value pairs, then [`Tag::End`].
    Object = 6,
    End = 7,
    /// A field name: its index in the stream's key table.
    Key = 8,
    /// A map key that is not a field name: UTF-16 start and end in `strings`.
    KeyString = 9,
    /// A `raw` body: byte start and end in `raws`.
    Raw = 10,
    /// A struct: its shape, then the value of each of the shape's fields (no [`Tag::End`]).
    Struct = 11,
    /// A name from the key table (a unit variant): its index.
    Name = 12,
    /// A `raw` body: byte start and end in the read the chunk was decoded from.
    ReadRaw = 13,
}

/// The token serde_json serializes a `RawValue` under (a struct of that name with one field).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Strings at least this long are checked against the last such string before being written.
const REPEAT_MIN_BYTES: usize = 16;

/// A segment of strings ends after the result that brings it to this many bytes: its decoded
/// text (at most twice that in UTF-16) stays well below V8's large-object size.
const SEGMENT_BYTES: usize = 32 * 1024;

/// A struct being written: where its shape goes on the tape, its shape so far, and the shape of
/// the struct it was opened in (0 when none was open), by which its first field is guessed.
#[derive(Clone, Copy)]
struct OpenStruct {
    at: usize,
    shape: u32,
    outer: u32,
}

/// `Tape::open_struct` when no struct is open.
const NO_STRUCT: OpenStruct = OpenStruct { at: usize::MAX, shape: 0, outer: 0 };

impl Default for OpenStruct {
    fn default() -> Self {
        NO_STRUCT
    }
}

/// Why a value could not go on the tape (only what JSON cannot hold either: a non-string map key).
#[derive(Debug)]
pub struct TapeError(String);

impl Display for TapeError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for TapeError {}

impl ser::Error for TapeError {
    fn custom<T: Display>(message: T) -> Self {
        TapeError(message.to_string())
    }
}

/// Hashes a field name's address and length with one multiply per word (as FxHash does): the
/// names are a few dozen `&'static str`, so there is no flooding to defend against, and SipHash
/// cost more than the rest of writing a field.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }
    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }
}

/// A chunk's tape, and the stream's key table (which outlives the chunks).
#[derive(Default)]
pub struct Tape {
    pub tape: Vec<u32>,
    pub numbers: Vec<f64>,
    pub strings: Vec<u8>,
    pub raws: Vec<u8>,
    /// Pairs: the index of a segment's first result, and where its strings start in `strings`.
    pub segments: Vec<u32>,
    /// Results pushed since `clear`.
    values: u32,
    /// Where the current segment's strings start in `strings`.
    segment_start: usize,
    /// Field names first used in this chunk, in index order.
    pub new_keys: Vec<&'static str>,
    /// Field names by their text's address and length (serde's names are `&'static str`).
    key_indexes: HashMap<(usize, usize), u32, BuildHasherDefault<AddressHasher>>,
    /// Each name's address and length, by index.
    key_addresses: Vec<(usize, usize)>,
    /// For each name, the name that followed it last time: fields come in the same order result
    /// after result, so the guess spares most lookups.
    key_successors: Vec<u32>,
    /// The index of the last name written.
    last_key: u32,
    /// Shapes first used in this chunk: pairs of the parent shape and the added field's name index.
    pub new_shapes: Vec<u32>,
    /// Each shape's children, by the added field's address and length.
    shape_children: HashMap<(u32, usize, usize), u32, BuildHasherDefault<AddressHasher>>,
    /// For each shape, the field added last time and the shape it led to: results have the same
    /// fields in the same order, so the guess spares most lookups.
    shape_guesses: Vec<(usize, usize, u32)>,
    /// The same guess for the first field of a struct (the child of shape 0), by the shape of the
    /// struct it is opened in: every kind of struct starts at shape 0, so one guess there would
    /// miss at each struct of a result (its response, parts and usage).
    first_field_guesses: Vec<(usize, usize, u32)>,
    /// The innermost struct being written ([`NO_STRUCT`] when none is). Kept out of the stack
    /// below: a field is added to it far more often than a struct is opened.
    open_struct: OpenStruct,
    /// The structs around the innermost one, outermost first.
    outer_structs: Vec<OpenStruct>,
    /// The UTF-16 length of `strings` so far.
    utf16_length: u32,
    /// The last long string written (bytes at, byte length, UTF-16 range), to write a repeated
    /// one once: a response's `text` and its one text part, with the part's short `type` between.
    last_long_string: (usize, usize, u32, u32),
    /// Set while serializing a `RawValue`: its one string is the body.
    in_raw_value: bool,
    /// The address and length of the read this chunk is decoded from ([`Tape::read_from`]), or
    /// `(0, 0)`.
    read: (usize, usize),
    /// Whether a body was given as a range of the read.
    reads_used: bool,
}

impl Tape {
    /// Empties the chunk's buffers, keeping the key table and the buffers' capacity.
    pub fn clear(&mut self) {
        self.tape.clear();
        self.numbers.clear();
        self.strings.clear();
        self.raws.clear();
        self.new_keys.clear();
        self.new_shapes.clear();
        self.open_struct = NO_STRUCT;
        self.outer_structs.clear();
        self.segments.clear();
        self.segments.extend_from_slice(&[0, 0]);
        self.values = 0;
        self.segment_start = 0;
        self.utf16_length = 0;
        self.last_long_string = (0, 0, 0, 0);
        self.read = (0, 0);
        self.reads_used = false;
    }

    /// Until the next `clear`, a body that lies in `read` is written as its range there
    /// ([`Tag::ReadRaw`]) instead of being copied to `raws`.
    pub fn read_from(&mut self, read: &[u8]) {
        self.read = (read.as_ptr() as usize, read.len());
    }

    /// Whether a body was written as a range of the read since `clear`.
    pub fn reads_used(&self) -> bool {
        self.reads_used
    }

    /// Appends `value` (one result) to the tape.
    pub fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TapeError> {
        if self.strings.len() - self.segment_start >= SEGMENT_BYTES {
            self.segment_start = self.strings.len();
            // As for strings: one chunk stays far below 4 GB.
            self.segments.extend_from_slice(&[self.values, u32::try_from(self.segment_start).unwrap_or(u32::MAX)]);
            self.utf16_length = 0;
            self.last_long_string = (0, 0, 0, 0);
        }
        self.values += 1;
        value.serialize(&mut *self)
    }

    fn tag(&mut self, tag: Tag) {
        self.tape.push(tag as u32);
    }

    fn number(&mut self, value: f64) {
        if value.is_finite() {
            self.tag(Tag::Number);
            self.numbers.push(value);
        } else {
            self.tag(Tag::Null);
        }
    }

    /// Writes `text` to `strings` (unless it repeats the last long one) and returns its UTF-16
    /// range.
    fn string_range(&mut self, text: &str) -> (u32, u32) {
        let long = text.len() >= REPEAT_MIN_BYTES;
        if long {
            let (byte_start, byte_length, start, end) = self.last_long_string;
            if byte_length == text.len()
                && same_bytes(&self.strings[byte_start..byte_start + byte_length], text.as_bytes())
            {
                return (start, end);
            }
        }
        let start = self.utf16_length;
        let units = if is_ascii(text.as_bytes()) { text.len() } else { text.encode_utf16().count() };
        // A chunk is one download chunk: far below 4 G code units.
        self.utf16_length = start.saturating_add(u32::try_from(units).unwrap_or(u32::MAX));
        let byte_start = self.strings.len();
        self.strings.extend_from_slice(text.as_bytes());
        if long {
            self.last_long_string = (byte_start, text.len(), start, self.utf16_length);
        }
        (start, self.utf16_length)
    }

    fn string(&mut self, tag: Tag, text: &str) {
        let (start, end) = self.string_range(text);
        self.tape.extend_from_slice(&[tag as u32, start, end]);
    }

    fn raw(&mut self, json: &str) {
        // Compared as addresses: a body borrowed from a line of the read lies inside it.
        let (read, read_length) = self.read;
        let at = (json.as_ptr() as usize).wrapping_sub(read);
        if at < read_length && json.len() <= read_length - at {
            self.reads_used = true;
            // As for strings: a read stays far below 4 GB.
            let offset = |value: usize| u32::try_from(value).unwrap_or(u32::MAX);
            self.tape.extend_from_slice(&[Tag::ReadRaw as u32, offset(at), offset(at + json.len())]);
            return;
        }
        let start = self.raws.len();
        self.raws.extend_from_slice(json.as_bytes());
        let end = self.raws.len();
        // As for strings: one chunk's bodies stay far below 4 GB.
        let offset = |value: usize| u32::try_from(value).unwrap_or(u32::MAX);
        self.tape.extend_from_slice(&[Tag::Raw as u32, offset(start), offset(end)]);
    }

    /// Writes a name of the key table without the successor guess (unit variants come between
    /// fields, and would spoil it).
    #[inline(never)]
    fn name(&mut self, name: &'static str) {
        let address = (name.as_ptr() as usize, name.len());
        let index = match self.key_indexes.get(&address) {
            Some(&index) => index,
            None => self.new_key(name),
        };
        self.tape.extend_from_slice(&[Tag::Name as u32, index]);
    }

    /// Adds a name to the key table.
    #[inline(never)]
    fn new_key(&mut self, name: &'static str) -> u32 {
        let address = (name.as_ptr() as usize, name.len());
        // A stream's results have a few dozen names.
        let index = u32::try_from(self.key_addresses.len()).unwrap_or(u32::MAX);
        self.key_indexes.insert(address, index);
        self.key_addresses.push(address);
        self.key_successors.push(u32::MAX);
        self.new_keys.push(name);
        index
    }

    /// Starts a struct: its shape is written at its end, when the fields it has are known.
    #[inline]
    fn open_struct(&mut self) {
        self.tape.extend_from_slice(&[Tag::Struct as u32, 0]);
        let outer = self.open_struct.shape;
        self.outer_structs.push(self.open_struct);
        self.open_struct = OpenStruct { at: self.tape.len() - 1, shape: 0, outer };
    }

    /// Adds a field to the open struct's shape.
    #[inline]
    fn struct_field(&mut self, name: &'static str) {
        let OpenStruct { at, shape, outer } = self.open_struct;
        if at == NO_STRUCT.at {
            return;
        }
        let (address, length) = (name.as_ptr() as usize, name.len());
        let (guesses, slot) =
            if shape == 0 { (&self.first_field_guesses, outer) } else { (&self.shape_guesses, shape) };
        let next = match guesses.get(slot as usize) {
            Some(&(guess_address, guess_length, child)) if guess_address == address && guess_length == length => child,
            _ => {
                let child = match self.shape_children.get(&(shape, address, length)) {
                    Some(&child) => child,
                    None => self.new_shape(shape, name),
                };
                let guesses = if shape == 0 { &mut self.first_field_guesses } else { &mut self.shape_guesses };
                if let Some(guess) = guesses.get_mut(slot as usize) {
                    *guess = (address, length, child);
                }
                child
            }
        };
        self.open_struct.shape = next;
    }

    /// Adds the shape `parent` + `name`.
    #[inline(never)]
    fn new_shape(&mut self, parent: u32, name: &'static str) -> u32 {
        if self.shape_guesses.is_empty() {
            // Shape 0, the struct without fields, is known to JavaScript.
            self.shape_guesses.push((0, 0, u32::MAX));
            self.first_field_guesses.push((0, 0, u32::MAX));
        }
        let address = (name.as_ptr() as usize, name.len());
        let key = match self.key_indexes.get(&address) {
            Some(&index) => index,
            None => self.new_key(name),
        };
        // A stream's results have a few dozen shapes.
        let shape = u32::try_from(self.shape_guesses.len()).unwrap_or(u32::MAX);
        self.shape_children.insert((parent, address.0, address.1), shape);
        self.shape_guesses.push((0, 0, u32::MAX));
        self.first_field_guesses.push((0, 0, u32::MAX));
        self.new_shapes.extend_from_slice(&[parent, key]);
        shape
    }

    /// Ends the open struct: its shape goes where `open_struct` left room.
    #[inline]
    fn close_struct(&mut self) {
        let OpenStruct { at, shape, .. } = self.open_struct;
        if at != NO_STRUCT.at {
            self.tape[at] = shape;
            self.open_struct = self.outer_structs.pop().unwrap_or(NO_STRUCT);
        }
    }

    fn key(&mut self, name: &'static str) {
        let address = (name.as_ptr() as usize, name.len());
        let last = self.last_key as usize;
        let guess = self.key_successors.get(last).copied().unwrap_or(u32::MAX);
        let index = if self.key_addresses.get(guess as usize) == Some(&address) {
            guess
        } else {
            let index = match self.key_indexes.get(&address) {
                Some(&index) => index,
                None => self.new_key(name),
            };
            if let Some(successor) = self.key_successors.get_mut(last) {
                *successor = index;
            }
            index
        };
        self.last_key = index;
        self.tape.extend_from_slice(&[Tag::Key as u32, index]);
    }
}

/// Whether two byte strings are equal, compared a word at a time: the slice comparison calls the
/// module's `memcmp`, which goes byte by byte and took 4% of a 128 MB decode in comparing each
/// response's text with its text part.
fn same_bytes(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    let word = |chunk: &[u8]| u64::from_ne_bytes(chunk.try_into().expect("chunks_exact(8) gives 8 bytes"));
    let mut left_words = left.chunks_exact(8);
    let mut right_words = right.chunks_exact(8);
    (&mut left_words).zip(&mut right_words).all(|(left_word, right_word)| word(left_word) == word(right_word))
        && left_words.remainder() == right_words.remainder()
}

impl ser::Serializer for &mut Tape {
    type Ok = ();
    type Error = TapeError;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, value: bool) -> Result<(), TapeError> {
        self.tag(if value { Tag::True } else { Tag::False });
        Ok(())
    }
    fn serialize_i8(self, value: i8) -> Result<(), TapeError> {
        self.number(f64::from(value));
        Ok(())
    }
    fn serialize_i16(self, value: i16) -> Result<(), TapeError> {
        self.number(f64::from(value));
        Ok(())
    }
    fn serialize_i32(self, value: i32) -> Result<(), TapeError> {
        self.number(f64::from(value));
        Ok(())
    }
    // Rounded to the nearest double, as JSON.parse rounds the integer serde_json writes.
    #[allow(clippy::cast_precision_loss)]
    fn serialize_i64(self, value: i64) -> Result<(), TapeError> {
        self.number(value as f64);
        Ok(())
    }
    #[allow(clippy::cast_precision_loss)]
    fn serialize_i128(self, value: i128) -> Result<(), TapeError> {
        self.number(value as f64);
        Ok(())
    }
    fn serialize_u8(self, value: u8) -> Result<(), TapeError> {
        self.number(f64::from(value));
        Ok(())
    }
    fn serialize_u16(self, value: u16) -> Result<(), TapeError> {
        self.number(f64::from(value));
        Ok(())
    }
    fn serialize_u32(self, value: u32) -> Result<(), TapeError> {
        self.number(f64::from(value));
        Ok(())
    }
    #[allow(clippy::cast_precision_loss)]
    fn serialize_u64(self, value: u64) -> Result<(), TapeError> {
        self.number(value as f64);
        Ok(())
    }
    #[allow(clippy::cast_precision_loss)]
    fn serialize_u128(self, value: u128) -> Result<(), TapeError> {
        self.number(value as f64);
        Ok(())
    }
    fn serialize_f32(self, value: f32) -> Result<(), TapeError> {
        // serde_json writes an f32 in its own shortest form, which JSON.parse reads as that decimal.
        let shortest: f64 = value.to_string().parse().unwrap_or(f64::NAN);
        self.number(if value.is_finite() { shortest } else { f64::NAN });
        Ok(())
    }
    fn serialize_f64(self, value: f64) -> Result<(), TapeError> {
        self.number(value);
        Ok(())
    }
    fn serialize_char(self, value: char) -> Result<(), TapeError> {
        self.serialize_str(value.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, value: &str) -> Result<(), TapeError> {
        if self.in_raw_value {
            self.raw(value);
        } else {
            self.string(Tag::String, value);
        }
        Ok(())
    }
    fn serialize_bytes(self, value: &[u8]) -> Result<(), TapeError> {
        self.tag(Tag::Array);
        for byte in value {
            self.number(f64::from(*byte));
        }
        self.tag(Tag::End);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), TapeError> {
        self.tag(Tag::Null);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), TapeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), TapeError> {
        self.tag(Tag::Null);
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), TapeError> {
        self.tag(Tag::Null);
        Ok(())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), TapeError> {
        self.name(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), TapeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), TapeError> {
        self.tag(Tag::Object);
        self.key(variant);
        value.serialize(&mut *self)?;
        self.tag(Tag::End);
        Ok(())
    }
    fn serialize_seq(self, _length: Option<usize>) -> Result<Self, TapeError> {
        self.tag(Tag::Array);
        Ok(self)
    }
    fn serialize_tuple(self, _length: usize) -> Result<Self, TapeError> {
        self.tag(Tag::Array);
        Ok(self)
    }
    fn serialize_tuple_struct(self, _name: &'static str, _length: usize) -> Result<Self, TapeError> {
        self.tag(Tag::Array);
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _length: usize,
    ) -> Result<Self, TapeError> {
        self.tag(Tag::Object);
        self.key(variant);
        self.tag(Tag::Array);
        Ok(self)
    }
    fn serialize_map(self, _length: Option<usize>) -> Result<Self, TapeError> {
        self.tag(Tag::Object);
        Ok(self)
    }
    fn serialize_struct(self, name: &'static str, _length: usize) -> Result<Self, TapeError> {
        if name == RAW_VALUE_TOKEN {
            self.in_raw_value = true;
        } else {
            self.open_struct();
        }
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _length: usize,
    ) -> Result<Self, TapeError> {
        self.tag(Tag::Object);
        self.key(variant);
        self.tag(Tag::Object);
        Ok(self)
    }
}

impl ser::SerializeSeq for &mut Tape {
    type Ok = ();
    type Error = TapeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TapeError> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), TapeError> {
        self.tag(Tag::End);
        Ok(())
    }
}

impl ser::SerializeTuple for &mut Tape {
    type Ok = ();
    type Error = TapeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TapeError> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), TapeError> {
        self.tag(Tag::End);
        Ok(())
    }
}

impl ser::SerializeTupleStruct for &mut Tape {
    type Ok = ();
    type Error = TapeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TapeError> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), TapeError> {
        self.tag(Tag::End);
        Ok(())
    }
}

impl ser::SerializeTupleVariant for &mut Tape {
    type Ok = ();
    type Error = TapeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TapeError> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), TapeError> {
        // The array, then the object around it.
        self.tag(Tag::End);
        self.tag(Tag::End);
        Ok(())
    }
}

impl ser::SerializeMap for &mut Tape {
    type Ok = ();
    type Error = TapeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), TapeError> {
        key.serialize(MapKey(self))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TapeError> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), TapeError> {
        self.tag(Tag::End);
        Ok(())
    }
}

impl ser::SerializeStruct for &mut Tape {
    type Ok = ();
    type Error = TapeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), TapeError> {
        if !self.in_raw_value {
            self.struct_field(key);
        }
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), TapeError> {
        if self.in_raw_value {
            self.in_raw_value = false;
        } else {
            self.close_struct();
        }
        Ok(())
    }
}

impl ser::SerializeStructVariant for &mut Tape {
    type Ok = ();
    type Error = TapeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), TapeError> {
        self.key(key);
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), TapeError> {
        self.tag(Tag::End);
        self.tag(Tag::End);
        Ok(())
    }
}

/// Writes a map key: JSON keys are strings, so strings, characters and numbers are written as
/// text (as serde_json writes them), anything else is refused (as serde_json refuses it).
struct MapKey<'tape>(&'tape mut Tape);

impl MapKey<'_> {
    fn text(self, text: &str) -> Result<(), TapeError> {
        self.0.string(Tag::KeyString, text);
        Ok(())
    }
}

fn key_must_be_a_string() -> TapeError {
    TapeError("key must be a string".to_owned())
}

impl ser::Serializer for MapKey<'_> {
    type Ok = ();
    type Error = TapeError;
    type SerializeSeq = ser::Impossible<(), TapeError>;
    type SerializeTuple = ser::Impossible<(), TapeError>;
    type SerializeTupleStruct = ser::Impossible<(), TapeError>;
    type SerializeTupleVariant = ser::Impossible<(), TapeError>;
    type SerializeMap = ser::Impossible<(), TapeError>;
    type SerializeStruct = ser::Impossible<(), TapeError>;
    type SerializeStructVariant = ser::Impossible<(), TapeError>;

    fn serialize_str(self, value: &str) -> Result<(), TapeError> {
        self.text(value)
    }
    fn serialize_char(self, value: char) -> Result<(), TapeError> {
        self.text(value.encode_utf8(&mut [0; 4]))
    }
    fn serialize_bool(self, value: bool) -> Result<(), TapeError> {
        self.text(if value { "true" } else { "false" })
    }
    fn serialize_i8(self, value: i8) -> Result<(), TapeError> {
        self.text(&value.to_string())
    }
    fn serialize_i16(self, value: i16) -> Result<(), TapeError> {
        self.text(&value.to_string())
    }
    fn serialize_i32(self, value: i32) -> Result<(), TapeError> {
        self.text(&value.to_string())
    }
    fn serialize_i64(self, value: i64) -> Result<(), TapeError> {
        self.text(&value.to_string())
    }
    fn serialize_i128(self, value: i128) -> Result<(), TapeError> {
        self.text(&value.to_string())
    }
    fn serialize_u8(self, value: u8) -> Result<(), TapeError> {
        self.text(&value.to_string())
    }
    fn serialize_u16(self, value: u16) -> Result<(), TapeError> {
        self.text(&value.to_string())
    }
    fn serialize_u32(self, value: u32) -> Result<(), TapeError> {
        self.text(&value.to_string())
    }
    fn serialize_u64(self, value: u64) -> Result<(), TapeError> {
        self.text(&value.to_string())
    }
    fn serialize_u128(self, value: u128) -> Result<(), TapeError> {
        self.text(&value.to_string())
    }
    fn serialize_f32(self, _value: f32) -> Result<(), TapeError> {
        Err(key_must_be_a_string())
    }
    fn serialize_f64(self, _value: f64) -> Result<(), TapeError> {
        Err(key_must_be_a_string())
    }
    fn serialize_bytes(self, _value: &[u8]) -> Result<(), TapeError> {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result<(), TapeError> {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), TapeError> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result<(), TapeError> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), TapeError> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), TapeError> {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), TapeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), TapeError> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _length: Option<usize>) -> Result<Self::SerializeSeq, TapeError> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _length: usize) -> Result<Self::SerializeTuple, TapeError> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _length: usize,
    ) -> Result<Self::SerializeTupleStruct, TapeError> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _length: usize,
    ) -> Result<Self::SerializeTupleVariant, TapeError> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _length: Option<usize>) -> Result<Self::SerializeMap, TapeError> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(self, _name: &'static str, _length: usize) -> Result<Self::SerializeStruct, TapeError> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _length: usize,
    ) -> Result<Self::SerializeStructVariant, TapeError> {
        Err(key_must_be_a_string())
    }
}
