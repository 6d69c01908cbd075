//! The traits a `PoolBox<T>` (and a `ClassBox<T>`) forwards to its `T`, as `Box<T>` does:
//! iterators, I/O, formatting sinks, errors and hashers.

use core::fmt;
use core::hash::Hasher;
use core::iter::FusedIterator;
use std::error::Error;
use std::io;

use crate::boxed::PoolBox;
#[cfg(not(loom))]
use crate::class::ClassBox;
use crate::pool::Pool;

/// The forwarding impls for a box type: `forward!(PoolBox, P)` for `PoolBox<T, P>` with
/// `P: Pool<Item = T>`, `forward!(ClassBox)` for `ClassBox<T>`. Each body reaches the `T`
/// through `Deref`.
macro_rules! forward {
    ($box:ident $(, $p:ident)?) => {
        impl<I: Iterator $(, $p: Pool<Item = I>)?> Iterator for $box<I $(, $p)?> {
            type Item = I::Item;

            fn next(&mut self) -> Option<I::Item> {
                (**self).next()
            }
            fn size_hint(&self) -> (usize, Option<usize>) {
                (**self).size_hint()
            }
            fn nth(&mut self, n: usize) -> Option<I::Item> {
                (**self).nth(n)
            }
        }

        impl<I: DoubleEndedIterator $(, $p: Pool<Item = I>)?> DoubleEndedIterator for $box<I $(, $p)?> {
            fn next_back(&mut self) -> Option<I::Item> {
                (**self).next_back()
            }
            fn nth_back(&mut self, n: usize) -> Option<I::Item> {
                (**self).nth_back(n)
            }
        }

        impl<I: ExactSizeIterator $(, $p: Pool<Item = I>)?> ExactSizeIterator for $box<I $(, $p)?> {
            fn len(&self) -> usize {
                (**self).len()
            }
        }

        impl<I: FusedIterator $(, $p: Pool<Item = I>)?> FusedIterator for $box<I $(, $p)?> {}

        impl<R: io::Read $(, $p: Pool<Item = R>)?> io::Read for $box<R $(, $p)?> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                (**self).read(buf)
            }
            fn read_vectored(&mut self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
                (**self).read_vectored(bufs)
            }
            fn read_to_end(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
                (**self).read_to_end(buf)
            }
            fn read_to_string(&mut self, buf: &mut String) -> io::Result<usize> {
                (**self).read_to_string(buf)
            }
            fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
                (**self).read_exact(buf)
            }
        }

        impl<W: io::Write $(, $p: Pool<Item = W>)?> io::Write for $box<W $(, $p)?> {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                (**self).write(buf)
            }
            fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
                (**self).write_vectored(bufs)
            }
            fn flush(&mut self) -> io::Result<()> {
                (**self).flush()
            }
            fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
                (**self).write_all(buf)
            }
            fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> io::Result<()> {
                (**self).write_fmt(args)
            }
        }

        impl<B: io::BufRead $(, $p: Pool<Item = B>)?> io::BufRead for $box<B $(, $p)?> {
            fn fill_buf(&mut self) -> io::Result<&[u8]> {
                (**self).fill_buf()
            }
            fn consume(&mut self, amt: usize) {
                (**self).consume(amt)
            }
            fn read_until(&mut self, byte: u8, buf: &mut Vec<u8>) -> io::Result<usize> {
                (**self).read_until(byte, buf)
            }
            fn read_line(&mut self, buf: &mut String) -> io::Result<usize> {
                (**self).read_line(buf)
            }
        }

        impl<S: io::Seek $(, $p: Pool<Item = S>)?> io::Seek for $box<S $(, $p)?> {
            fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
                (**self).seek(pos)
            }
            fn stream_position(&mut self) -> io::Result<u64> {
                (**self).stream_position()
            }
        }

        impl<W: fmt::Write $(, $p: Pool<Item = W>)?> fmt::Write for $box<W $(, $p)?> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                (**self).write_str(s)
            }
            fn write_char(&mut self, c: char) -> fmt::Result {
                (**self).write_char(c)
            }
            fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> fmt::Result {
                (**self).write_fmt(args)
            }
        }

        impl<E: Error $(, $p: Pool<Item = E>)?> Error for $box<E $(, $p)?> {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                (**self).source()
            }
        }

        impl<H: Hasher $(, $p: Pool<Item = H>)?> Hasher for $box<H $(, $p)?> {
            fn finish(&self) -> u64 {
                (**self).finish()
            }
            fn write(&mut self, bytes: &[u8]) {
                (**self).write(bytes)
            }
            fn write_u8(&mut self, i: u8) {
                (**self).write_u8(i)
            }
            fn write_u16(&mut self, i: u16) {
                (**self).write_u16(i)
            }
            fn write_u32(&mut self, i: u32) {
                (**self).write_u32(i)
            }
            fn write_u64(&mut self, i: u64) {
                (**self).write_u64(i)
            }
            fn write_u128(&mut self, i: u128) {
                (**self).write_u128(i)
            }
            fn write_usize(&mut self, i: usize) {
                (**self).write_usize(i)
            }
            fn write_i8(&mut self, i: i8) {
                (**self).write_i8(i)
            }
            fn write_i16(&mut self, i: i16) {
                (**self).write_i16(i)
            }
            fn write_i32(&mut self, i: i32) {
                (**self).write_i32(i)
            }
            fn write_i64(&mut self, i: i64) {
                (**self).write_i64(i)
            }
            fn write_i128(&mut self, i: i128) {
                (**self).write_i128(i)
            }
            fn write_isize(&mut self, i: isize) {
                (**self).write_isize(i)
            }
        }
    };
}

forward!(PoolBox, P);
#[cfg(not(loom))]
forward!(ClassBox);
