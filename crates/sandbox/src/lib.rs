//! Local provider sandbox (being written).
