# Exercise 2: an async context manager class, with __aenter__ and __aexit__
import aiohttp


class LabSession:
    """async with LabSession() as session: an aiohttp.ClientSession, always closed on the way out."""

    async def __aenter__(self):
        self.session = aiohttp.ClientSession()
        return self.session  # what `as` receives

    async def __aexit__(self, exc_type, exc, tb):
        await self.session.close()  # runs on every way out: normal, exception, cancellation
        return False  # never swallow the block's exception
