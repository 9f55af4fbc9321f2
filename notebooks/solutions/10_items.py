# Exercise 1: an async generator of items, fetching a page only when it is needed
async def items(session, url, total, per_page):
    """Yield 0, 1, ..., total - 1; fetch page k (GET url?page=k) when its first item is wanted."""
    for k in range(-(-total // per_page)):  # the number of pages, rounded up
        async with session.get(url, params={"page": k}) as response:
            response.raise_for_status()
            page = int((await response.json())["args"]["page"])
        for item in range(page * per_page, min((page + 1) * per_page, total)):
            yield item  # the next page is fetched only when the consumer asks past this one
