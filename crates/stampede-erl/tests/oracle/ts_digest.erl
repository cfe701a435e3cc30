%% Minimal stand-in for Tsung's ts_digest, used only by the differential test.
-module(ts_digest).
-export([md5hex/1]).

md5hex(Data) ->
    lists:flatten([io_lib:format("~2.16.0b", [B]) || <<B>> <= erlang:md5(Data)]).
