%% Minimal stand-in for Tsung's ts_user_server, used only by the differential test.
-module(ts_user_server).
-export([get_unique_id/1]).

get_unique_id({_Pid, DynVars}) ->
    case ts_dynvars:lookup(tsung_userid, DynVars) of
        {ok, Id} when is_integer(Id) -> integer_to_list(Id);
        {ok, Id} when is_list(Id) -> Id;
        false -> "0"
    end.
