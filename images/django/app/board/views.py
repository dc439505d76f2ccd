"""List and create posts, show one, and report health."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .forms import PostForm
from .models import Post


@require_http_methods(["GET", "HEAD", "POST"])
def post_list(request):
    """The board: the latest posts and a form for a new one; a valid POST redirects to the post."""
    if request.method == "POST":
        form = PostForm(request.POST)
        if form.is_valid():
            post = form.save()
            return redirect("board:post_detail", pk=post.pk)
    else:
        form = PostForm()
    posts = Post.objects.all()[:50]
    return render(request, "board/post_list.html", {"posts": posts, "form": form})


@require_GET
def post_detail(request, pk):
    """One post."""
    post = get_object_or_404(Post, pk=pk)
    return render(request, "board/post_detail.html", {"post": post})


@never_cache
@require_GET
def health(request):
    """200 when the database answers a query on the board's own table (so migrations ran), else 503.

    The error names the exception's class only: its text may hold the connection settings.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {Post._meta.db_table}")
            (count,) = cursor.fetchone()
    except DatabaseError as error:
        return JsonResponse(
            {"status": "error", "database": connection.vendor, "error": type(error).__name__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": connection.vendor, "posts": count})
