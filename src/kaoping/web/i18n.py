"""The two languages of the pages: Chinese (default) and English.

A page is rendered in the language of ``?lang=`` if given (which also sets a cookie), else
of the cookie, else Chinese. Numbers are formatted by :mod:`kaoping.narrative.numbers`,
the same code the CLI and the briefings use, so a page reads like the release it mirrors.
"""

from __future__ import annotations

from typing import Literal

from fastapi import Request

__all__ = ["LANGS", "LANG_COOKIE", "Lang", "pick_lang", "translate"]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
LANG_COOKIE = "kaoping_lang"

#: key -> (Chinese, English)
STRINGS: dict[str, tuple[str, str]] = {
    "app": ("考评", "kaoping"),
    "app_long": ("检察业务考评", "Procuratorial performance appraisal"),
    "overview": ("概览", "Overview"),
    "compare": ("下级院对比", "Compare organs below"),
    "indicators": ("指标", "Indicators"),
    "indicator": ("指标", "Indicator"),
    "appraisal": ("考评结果", "Appraisal"),
    "scorecard": ("我的考评", "My scorecard"),
    "audit": ("查询日志", "Access log"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误", "Wrong user name or password"),
    "period": ("统计期", "Period"),
    "show": ("查看", "Show"),
    "value": ("数值", "Value"),
    "numerator": ("分子", "Numerator"),
    "denominator": ("分母", "Denominator"),
    "previous": ("去年同期", "Same period last year"),
    "no_data": ("无数据", "No data"),
    "change": ("同比", "Year on year"),
    "rank": ("排名", "Rank"),
    "rank_in_level": ("同级排名", "Rank in level"),
    "status": ("状态", "Status"),
    "grade": ("等次", "Grade"),
    "organ": ("检察院", "Organ"),
    "organs_below": ("下级院", "Organs below"),
    "no_organs_below": ("没有下级院", "No organs below"),
    "warnings": ("预警", "Warnings"),
    "no_warnings": ("本期无预警", "No warnings for this period"),
    "include_below": ("含下级院", "including organs below"),
    "trend": ("趋势", "Trend"),
    "headline": ("主要指标", "Headline indicators"),
    "definition": ("定义", "Definition"),
    "distribution": ("同级院分布", "Distribution across peer organs"),
    "distribution_note": (
        "同级全部检察院的分布（匿名），蓝色为本院所在区间",
        "All organs of the same level, anonymised; the highlighted bar holds this organ",
    ),
    "history": ("历史数据", "History"),
    "records": ("明细记录", "Records"),
    "drilldown": ("查看明细", "Records behind the figure"),
    "drilldown_logged": (
        "明细查询将被记录（用户、时间、内容），仅显示化名编号。",
        "Listing records is logged (who, when, what); only pseudonymous ids are shown.",
    ),
    "reasonable_range": ("合理区间", "Reasonable range"),
    "no_range": ("未设合理区间", "No reasonable range"),
    "direction": ("方向", "Direction"),
    "higher_is_better": ("越高越好", "Higher is better"),
    "lower_is_better": ("越低越好", "Lower is better"),
    "within_range": ("保持在区间内", "Within the range"),
    "unit": ("单位", "Unit"),
    "flags": ("标记", "Flags"),
    "out_of_range": ("超出合理区间", "outside the reasonable range"),
    "yoy_swing": ("同比变化异常", "unusual year-on-year swing"),
    "small_denominator": ("分母过小", "denominator too small"),
    "status_red": ("超出合理区间", "outside the range"),
    "status_amber": ("需关注", "watch"),
    "status_green": ("正常", "within the range"),
    "status_none": ("无区间", "no range"),
    "better": ("向好", "better"),
    "worse": ("变差", "worse"),
    "neutral": ("", ""),
    "total_records": ("共 {n} 条记录", "{n} records"),
    "prev_page": ("上一页", "Previous"),
    "next_page": ("下一页", "Next"),
    "sort_hint": ("点击表头排序", "Click a heading to sort"),
    "prosecutors": ("检察官", "Prosecutors"),
    "prosecutor": ("检察官", "Prosecutor"),
    "object": ("提出异议", "Object"),
    "objections": ("异议复核", "Objections"),
    "appraisal_unavailable": (
        "尚无考评结果：请先运行考评（kaoping appraise）。",
        "No appraisal results yet: run an appraisal first (kaoping appraise).",
    ),
    "role_admin": ("管理员", "Administrator"),
    "role_officer": ("案管人员", "Case-management officer"),
    "role_leader": ("院领导", "Leader"),
    "role_prosecutor": ("检察官", "Prosecutor"),
    "error": ("出错了", "Something went wrong"),
    "back": ("返回", "Back"),
    "language": ("English", "中文"),
    "at": ("时间", "When"),
    "user": ("用户", "User"),
    "subject": ("对象", "Subject"),
    "side": ("部分", "Side"),
    "sentence": ("通报表述", "As a briefing says it"),
    "all_indicators": ("全部指标", "All indicators"),
    "family": ("类别", "Family"),
    "briefing": ("数据通报", "Briefing"),
    "download": ("下载", "Download"),
    "own_figures": ("个人办案数据", "Own figures"),
    "level": ("层级", "Level"),
    "none": ("无", "none"),
    "run": ("考评批次", "Run"),
    "scheme": ("考评方案", "Scheme"),
    "subjects": ("对象数", "Subjects"),
    "created": ("生成", "Made"),
    "run_draft": ("草稿", "draft"),
    "run_published": ("已发布", "published"),
    "run_superseded": ("已被替代", "superseded"),
    "results": ("考评结果", "Results"),
    "grade_distribution": ("等次分布", "Grade distribution"),
    "group": ("比较组", "Group"),
    "total": ("总分", "Total"),
    "bonus": ("加分", "Bonus"),
    "deduction": ("扣分", "Deduction"),
    "correction": ("更正", "Correction"),
    "dimensions": ("维度得分", "dimensions"),
    "dimension": ("维度", "Dimension"),
    "weight": ("权重", "weight"),
    "points": ("得分", "Points"),
    "how_scored": ("计分方法", "How it was scored"),
    "explanation": ("计分说明（全文）", "The whole explanation"),
    "reason": ("理由", "Reason"),
    "lodged": ("提出", "Lodged"),
    "review": ("复核", "Review"),
    "accept": ("采纳", "Accept"),
    "reject": ("不予采纳", "Reject"),
    "objection_pending": ("待复核", "pending"),
    "objection_accepted": ("已采纳", "accepted"),
    "objection_rejected": ("未采纳", "rejected"),
    "no_objections": ("暂无异议", "No objections"),
    "whole_score": ("（整体得分）", "(the whole score)"),
    "items": ("加减分项", "Bonus and deduction items"),
    "category": ("项目", "Item"),
    "evidence": ("依据", "Evidence"),
    "withdrawn": ("已撤销", "withdrawn"),
    "in_force": ("有效", "in force"),
    # a run page, paged and filtered (issues 12 and 13)
    "results_count": ("共 {n} 条，第 {p}/{pages} 页", "{n} results, page {p} of {pages}"),
    "search": ("搜索", "Search"),
    "search_placeholder": ("对象编码或名称", "Subject code or name"),
    "all_organs": ("全部检察院", "All organs"),
    "all_grades": ("全部等次", "All grades"),
    "per_page": ("每页条数", "Per page"),
    "apply_filters": ("筛选", "Filter"),
    "clear_filters": ("清除筛选", "Clear filters"),
    "pages_nav": ("分页", "Pages"),
    "no_matching_results": ("没有符合条件的结果", "No results match"),
    "sort_page_hint": ("点击表头对本页排序", "Click a heading to sort this page"),
    "group_all": ("全部参评对象", "Every subject of the run"),
    "group_none": ("无", "none"),
    # logins and passwords (docs/security.md)
    "login_locked": ("登录失败次数过多，请于 {seconds} 秒后（{at} UTC）再试",
                     "Too many failed logins: try again in {seconds} seconds ({at} UTC)"),
    "cross_site_login": ("登录请求来自其他网站，已拒绝；请在本系统的登录页登录",
                         "A login from another site was refused: log in on this site's page"),
    "change_password": ("修改密码", "Change password"),
    "current_password": ("当前密码", "Current password"),
    "new_password": ("新密码", "New password"),
    "confirm_password": ("再次输入新密码", "New password again"),
    "password_changed": ("密码已修改，其他设备上的登录均已失效",
                         "Password changed: every other login of yours has been ended"),
    "password_rules": ("新密码至少 12 个字符（首尾空格不计），不得为常见密码或用户名",
                       "At least 12 characters (blanks at either end do not count), not a "
                       "common password, not your user name"),
    "pw_mismatch": ("两次输入的新密码不一致", "The two new passwords differ"),
    "pw_wrong_current": ("当前密码错误", "The current password is wrong"),
    "pw_short": ("密码至少需要 12 个字符（首尾空格不计）",
                 "The password needs at least 12 characters (blanks at either end do not "
                 "count)"),
    "pw_repetitive": ("密码重复字符过多，请换一个更长的短语",
                      "The password repeats too few characters: choose a longer phrase"),
    "pw_no_words": ("密码只有数字和符号，请加入字母或文字",
                    "The password has only digits and punctuation: add words"),
    "pw_common": ("这是最常见的密码之一，请换一个", "That is one of the commonest passwords"),
    "pw_username": ("密码不得与用户名相同", "The password must not be the user name"),
}


def translate(key: str, lang: Lang) -> str:
    """The text of ``key`` in ``lang``; the key itself if it has no translation."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


def pick_lang(request: Request) -> Lang:
    q = request.query_params.get("lang")
    if q in LANGS:
        return "en" if q == "en" else "zh"
    c = request.cookies.get(LANG_COOKIE)
    return "en" if c == "en" else "zh"
