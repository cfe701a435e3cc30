//! Index newtypes. Each indexes a table of the [`crate::Scenario`] it came from.

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The index into the owning table.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// A session, indexing [`crate::Scenario::sessions`].
    SessionId
);
id_type!(
    /// A dynamic variable name, indexing [`crate::VarTable`]. Per-user variable storage can be a
    /// dense vector indexed by this id.
    VarId
);
id_type!(
    /// A transaction name (`tr_<name>`), indexing [`crate::Scenario::transactions`].
    TransactionId
);
id_type!(
    /// A request, unique across the whole scenario, indexing [`crate::Scenario::requests`].
    RequestId
);
id_type!(
    /// A file server (`<option name="file_server" id=…>`), indexing
    /// [`crate::Options::file_servers`].
    FileId
);
