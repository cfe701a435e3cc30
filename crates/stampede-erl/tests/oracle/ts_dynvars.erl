%% Minimal stand-in for Tsung's ts_dynvars, used only by the differential test.
%% DynVars is a list of {Name, Value} pairs.
-module(ts_dynvars).
-export([lookup/2, lookup/3]).

lookup(Name, DynVars) when is_atom(Name), is_list(DynVars) ->
    case lists:keyfind(Name, 1, DynVars) of
        {Name, Value} -> {ok, Value};
        false -> false
    end;
lookup({Name, Index}, DynVars) when is_atom(Name), is_integer(Index), is_list(DynVars) ->
    case lists:keyfind(Name, 1, DynVars) of
        {Name, Value} -> {ok, lists:nth(Index, Value)};
        false -> false
    end.

lookup(Name, DynVars, Default) ->
    case lookup(Name, DynVars) of
        false -> {ok, Default};
        Found -> Found
    end.
