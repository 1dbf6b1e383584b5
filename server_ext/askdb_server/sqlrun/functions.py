"""The functions a query may call, per dialect: an allow-list of side-effect-free functions.

The guard compares every function call, after the dialect's identifier resolution, with these
names. Anything not listed is refused with its name: the set of dangerous functions is
open-ended (file access, locks, waits, sessions, sequences, dynamic SQL, every installed
extension), the set an analyst needs is not. A project admin extends the list for user-defined
functions (``QueryPolicy.functions``).

Deliberately absent everywhere: anything that sleeps or waits, takes or releases a lock, reads
or writes files or large objects, signals or inspects other sessions, reads or changes settings
or session state (``set_config``, ``current_setting``, user variables, ``last_insert_id``),
advances sequences, notifies, or runs SQL given as text (``query_to_xml``, ``ts_stat``,
``ts_rewrite``, ``dblink``).
"""

from __future__ import annotations


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Standard SQL and what every supported dialect shares.
_COMMON = _names(
    """
    count sum avg min max every
    stddev stddev_pop stddev_samp variance var_pop var_samp
    row_number rank dense_rank percent_rank cume_dist ntile lag lead
    first_value last_value nth_value
    abs ceil ceiling floor round sign sqrt power pow exp ln log log10 mod pi
    sin cos tan asin acos atan atan2 cot degrees radians greatest least
    length char_length character_length octet_length lower upper trim ltrim rtrim
    substr substring replace concat concat_ws reverse left right lpad rpad repeat
    coalesce nullif cast try_cast extract
    current_date current_time current_timestamp localtime localtimestamp
    """
)

_POSTGRES = _COMMON | _names(
    """
    bool_and bool_or bit_and bit_or bit_xor string_agg array_agg json_agg jsonb_agg
    json_object_agg jsonb_object_agg percentile_cont percentile_disc mode corr covar_pop
    covar_samp regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx
    regr_sxy regr_syy range_agg range_intersect_agg any_value
    trunc cbrt div gcd lcm factorial scale min_scale trim_scale width_bucket log
    random sinh cosh tanh asinh acosh atanh sind cosd tand
    initcap btrim position strpos translate split_part format to_char to_number to_date
    to_timestamp md5 sha224 sha256 sha384 sha512 encode decode ascii chr quote_ident
    quote_literal quote_nullable string_to_array string_to_table array_to_string overlay
    starts_with normalize unistr bit_count
    regexp_replace regexp_match regexp_matches regexp_split_to_array regexp_split_to_table
    regexp_count regexp_instr regexp_like regexp_substr
    now clock_timestamp statement_timestamp transaction_timestamp date_trunc date_part
    date_bin age make_date make_time make_timestamp make_timestamptz make_interval
    justify_days justify_hours justify_interval isfinite timezone
    json_build_object jsonb_build_object json_build_array jsonb_build_array json_object
    jsonb_object json_extract_path jsonb_extract_path json_extract_path_text
    jsonb_extract_path_text json_array_length jsonb_array_length json_each jsonb_each
    json_each_text jsonb_each_text json_array_elements jsonb_array_elements
    json_array_elements_text jsonb_array_elements_text json_object_keys jsonb_object_keys
    json_typeof jsonb_typeof jsonb_pretty to_json to_jsonb row_to_json array_to_json
    json_strip_nulls jsonb_strip_nulls jsonb_set jsonb_insert jsonb_path_query
    jsonb_path_exists jsonb_path_match jsonb_path_query_array jsonb_path_query_first
    json_to_record jsonb_to_record json_to_recordset jsonb_to_recordset
    json_populate_record jsonb_populate_record json_populate_recordset
    jsonb_populate_recordset
    array_length cardinality array_append array_prepend array_cat array_position
    array_positions array_remove array_replace array_dims array_lower array_upper
    array_ndims array_fill unnest generate_series generate_subscripts
    to_tsvector to_tsquery plainto_tsquery phraseto_tsquery websearch_to_tsquery ts_rank
    ts_rank_cd ts_headline setweight strip numnode querytree
    gen_random_uuid num_nulls num_nonnulls
    lower_inc upper_inc lower_inf upper_inf isempty range_merge
    """
)

_MYSQL = _COMMON | _names(
    """
    group_concat std bit_and bit_or bit_xor json_arrayagg json_objectagg
    truncate log2 rand conv crc32 bin oct
    lcase ucase substring_index mid locate position instr format field elt find_in_set
    strcmp soundex ascii ord char hex unhex quote md5 sha sha1 sha2 to_base64 from_base64
    space regexp_replace regexp_substr regexp_instr regexp_like export_set make_set
    lengthb
    now curdate curtime sysdate utc_date utc_time utc_timestamp date time year month day
    dayofmonth dayofweek dayofyear weekday week weekofyear yearweek quarter hour minute
    second microsecond monthname dayname last_day date_add date_sub adddate subdate addtime
    subtime datediff timediff timestampdiff timestampadd date_format time_format
    str_to_date from_unixtime unix_timestamp makedate maketime period_add period_diff
    to_days from_days to_seconds sec_to_time time_to_sec convert_tz get_format
    if ifnull isnull nvl nvl2 decode_oracle
    json_extract json_unquote json_object json_array json_contains json_contains_path
    json_keys json_length json_type json_valid json_value json_search json_set json_insert
    json_replace json_remove json_merge json_merge_patch json_merge_preserve json_quote
    json_depth json_table json_overlaps json_pretty json_compact json_detailed
    json_array_append json_array_insert json_exists json_query
    convert uuid inet_aton inet_ntoa inet6_aton inet6_ntoa is_ipv4 is_ipv6
    median percentile_cont percentile_disc
    """
)

_SQLITE = _COMMON | _names(
    """
    total group_concat string_agg char glob hex ifnull iif instr like likelihood likely
    printf format quote random randomblob soundex typeof unhex unicode unlikely zeroblob
    date time datetime julianday unixepoch strftime timediff
    trunc log2
    json json_array json_array_length json_extract json_insert json_object json_patch
    json_remove json_replace json_set json_type json_valid json_quote json_group_array
    json_group_object json_each json_tree json_error_position jsonb jsonb_array
    jsonb_extract jsonb_insert jsonb_object jsonb_patch jsonb_remove jsonb_replace
    jsonb_set jsonb_group_array jsonb_group_object
    median percentile percentile_cont percentile_disc
    """
)

_DUCKDB = _POSTGRES | _names(
    """
    strftime strptime epoch epoch_ms make_timestamp datediff date_diff date_add date_sub
    dayname monthname year month day hour minute second quarter week weekday dayofweek
    dayofyear last_day list_value list_aggregate list_sort list_distinct list_contains
    list_extract array_contains array_extract struct_pack struct_extract median quantile
    quantile_cont quantile_disc approx_count_distinct approx_quantile arg_min arg_max
    argmin argmax min_by max_by first last list histogram product kurtosis skewness
    entropy mad string_split str_split contains prefix suffix instr ifnull if
    regexp_extract regexp_full_match regexp_matches hash range uuid gen_random_uuid
    printf format group_concat count_star typeof list_transform list_filter list_reduce
    list_apply array_transform array_filter array_reduce apply filter reduce
    """
)

ALLOWED_FUNCTIONS: dict[str, frozenset[str]] = {
    "postgres": _POSTGRES,
    "mysql": _MYSQL,
    "sqlite": _SQLITE,
    "duckdb": _DUCKDB,
}

# sqlglot's typed expressions that render without a parenthesised name (CASE, CAST(x AS t)
# in some dialects, CURRENT_DATE, x IS JSON ...) and are plain syntax; any other typed
# expression is checked by the name it renders as.
SYNTAX_EXPRESSIONS = frozenset(
    """
    Case If Cast TryCast Extract Interval CurrentDate CurrentTime CurrentTimestamp
    CurrentDatetime Collate Array Struct Bracket JSONExtract JSONExtractScalar JSONBExtract
    JSONBExtractScalar JSONBContains Unnest Explode ExplodingGenerateSeries GenerateSeries
    Tuple Filter Window Any All Exists In Between Is Like ILike Not Paren Distinct
    ArrayContains ArrayContainsAll ArrayOverlaps
    ToArray List Map VarMap Xor Overlay Trim Substring Position Pad JSONFormat IsInf IsNan
    ArrayAny ArrayAll Lambda PercentileCont PercentileDisc WithinGroup RespectNulls
    IgnoreNulls HavingMax
    """.split()
)
